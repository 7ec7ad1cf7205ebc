#!/usr/bin/env python3
"""Generate ioc/stalkerware.rules, the IOC list compiled into stalkerwatch.

Reads AssoEchap stalkerware-indicators ioc.yaml (CC BY 4.0) and writes the
native rule format (docs/ioc-format.md):

  - every stalkerware app's c2.domains; cloud tenants are written in their
    canonical form (<bucket>.s3.amazonaws.com as s3:<bucket>,
    <db>.firebaseio.com as firebase:<db>, [<v>-dot-]<app>.appspot.com as
    appspot:<app> ...), exactly as stalkerwatch would read the host names,
    so that the list loads without a single note (`ioc check -w`);
  - every app's distribution domains (where the APK is downloaded);
  - every app's c2.ips and the misspelled c2.ip, as IP rules with low
    confidence (shared hosting and CDN addresses are common there);
  - the vendor websites of the headline families only, with medium
    confidence: a phone visiting them is interesting, not proof.

Placeholders in the feed (media-sync-a7xx.thetruthspy.com) are left out.
Run it again after updating the feed copy and commit the output:

    python3 ioc/make-bundled.py ../shared/iocs/stalkerware-indicators/ioc.yaml \\
        > ioc/stalkerware.rules

Needs PyYAML (Debian: python3-yaml).
"""
import hashlib
import re
import sys

import yaml

# Families whose vendor websites are bundled too (names as in ioc.yaml):
# the ones in the news and in the Coalition Against Stalkerware's reporting.
HEADLINE = [
    "Cocospy", "mSpy", "TheTruthSpy", "FlexiSpy", "Hoverwatch", "XNSpy",
    "uMobix", "pcTattletale", "Spyier", "SpyHuman", "TheOneSpy", "Spylix",
    "ClevGuard", "iKeyMonitor", "Snoopza", "Spynger", "Msafely", "HighsterMobile",
    "MobileSpy", "SpyFly", "EvaSpy",
]

UPSTREAM = "https://github.com/AssoEchap/stalkerware-indicators"

PLACEHOLDER = re.compile(r"[0-9]x{2,}(\.|$)|\.\.\.")

# The endpoint forms of shared clouds whose host names name a tenant: the
# virtual-hosted half of the table in ioc/ioc_tenant.c (same order, same
# shape language: {r} an AWS region code, {*} any run of a-z 0-9 -).  The
# first form that matches wins.  How the tenant is taken from the labels
# left of the shape: "all" of them (S3 bucket names have dots), the one
# "label" just left of it, or that label after its last "-dot-" (App Engine
# versions).  tests/test_ioc.c checks that the bundled list loads without a
# note, so a form missing here shows up there.
FORMS = [
    ("s3", "all", "s3.amazonaws.com"),
    ("s3", "all", "s3.{r}.amazonaws.com"),
    ("s3", "all", "s3-{r}.amazonaws.com"),
    ("s3", "all", "s3.dualstack.{r}.amazonaws.com"),
    ("s3", "all", "s3-fips.{r}.amazonaws.com"),
    ("s3", "all", "s3-fips.dualstack.{r}.amazonaws.com"),
    ("s3", "all", "s3-fips-{r}.amazonaws.com"),
    ("s3", "all", "s3-external-1.amazonaws.com"),
    ("s3", "all", "s3-accelerate.amazonaws.com"),
    ("s3", "all", "s3-accelerate.dualstack.amazonaws.com"),
    ("s3", "all", "s3-website-{r}.amazonaws.com"),
    ("s3", "all", "s3-website.{r}.amazonaws.com"),
    ("s3", "all", "s3.{r}.amazonaws.com.cn"),
    ("s3", "all", "s3.dualstack.{r}.amazonaws.com.cn"),
    ("s3", "all", "s3-website.{r}.amazonaws.com.cn"),
    ("apigw", "label", "execute-api.{r}.amazonaws.com"),
    ("elb", "label", "{r}.elb.amazonaws.com"),
    ("elb", "label", "elb.{r}.amazonaws.com"),
    ("elb", "label", "{r}.elb.amazonaws.com.cn"),
    ("cloudfront", "label", "cloudfront.net"),
    ("gcs", "all", "storage.googleapis.com"),
    ("do-spaces", "label", "{*}.cdn.digitaloceanspaces.com"),
    ("do-spaces", "label", "{*}.digitaloceanspaces.com"),
    ("wasabi", "all", "s3.wasabisys.com"),
    ("wasabi", "all", "s3.{*}.wasabisys.com"),
    ("oss", "label", "oss-{*}.aliyuncs.com"),
    ("cos", "label", "cos.{*}.myqcloud.com"),
    ("cos", "label", "cos-website.{*}.myqcloud.com"),
    ("firebase", "label", "firebaseio.com"),
    ("firebase", "label", "{*}.firebasedatabase.app"),
    ("appspot", "dotlabel", "{*}.r.appspot.com"),
    ("appspot", "dotlabel", "appspot.com"),
]

REGION = re.compile(r"[a-z]{2}(-[a-z]+)+-[0-9]+\Z")
ANYWORD = re.compile(r"[a-z0-9-]+\Z")


def label_match(shape_label, label):
    """Does a host label match one label of a shape ("s3-{r}", "cloudfront")?"""
    i = shape_label.find("{")
    if i < 0:
        return shape_label == label
    pre, suf = shape_label[:i], shape_label[i + 3:]
    if len(label) <= len(pre) + len(suf) or not label.startswith(pre) \
            or not label.endswith(suf):
        return False
    mid = label[len(pre):len(label) - len(suf)]
    return bool((REGION if shape_label[i + 1] == "r" else ANYWORD).match(mid))


def canonical(host):
    """The pattern stalkerwatch stores for host: provider:tenant for a tenant
    host name of a shared cloud, else the host itself."""
    labels = host.split(".")
    for prov, take, shape in FORMS:
        sl = shape.split(".")
        if len(labels) <= len(sl):
            continue
        if not all(label_match(a, b) for a, b in zip(sl, labels[-len(sl):])):
            continue
        rest = labels[:-len(sl)]
        if take == "all":
            tenant = ".".join(rest)
        else:
            tenant = rest[-1]
            if take == "dotlabel" and "-dot-" in tenant:
                tenant = tenant[tenant.rindex("-dot-") + 5:]
        if tenant:
            return "%s:%s" % (prov, tenant)
    return host


def clean(v):
    v = str(v).strip().lower().rstrip(".")
    return v


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else \
        "../shared/iocs/stalkerware-indicators/ioc.yaml"
    raw = open(path, "rb").read()
    apps = yaml.safe_load(raw)
    digest = hashlib.sha256(raw).hexdigest()
    out = []
    w = out.append
    w("# stalkerwatch bundled IOC list (native format, docs/ioc-format.md)")
    w("#")
    w("# Generated by ioc/make-bundled.py from AssoEchap stalkerware-indicators")
    w("# ioc.yaml (%s), sha256 %s." % (UPSTREAM, digest))
    w("# Indicators by Echap (https://echap.eu.org/) and contributors, licensed")
    w("# CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/).  Changes: only")
    w("# the network indicators are kept, rewritten one rule per line, the")
    w("# placeholders (a7xx) dropped, vendor websites kept for headline families,")
    w("# cloud tenant host names written as tenants (s3:<bucket>, firebase:<db>).")
    w("# Do not edit by hand: regenerate (see the script) and commit.")
    w("#")
    w("# <pattern> <family> [confidence=...] <comment: where the value came from>")
    n = 0
    for app in apps:
        if app.get("type") != "stalkerware":
            continue
        fam = str(app["name"]).strip()
        fam_tok = re.sub(r"\s+", "_", fam)
        c2 = app.get("c2") or {}
        rules = {}  # pattern -> (confidence, [fields])
        order = []

        def add(value, field, conf):
            v = clean(value)
            if not v or PLACEHOLDER.search(v):
                return
            v = canonical(v)
            if v not in rules:
                rules[v] = [conf, []]
                order.append(v)
            r = rules[v]
            rank = {"low": 0, "medium": 1, "high": 2}
            if rank[conf] > rank[r[0]]:
                r[0] = conf
            if field not in r[1]:
                r[1].append(field)

        for d in c2.get("domains") or []:
            add(d, "c2.domains", "high")
        for d in app.get("distribution") or []:
            add(d, "distribution", "high")
        for ip in (c2.get("ips") or []) + (c2.get("ip") or []):
            add(ip, "c2.ips", "low")
        if fam in HEADLINE:
            for d in app.get("websites") or []:
                add(d, "websites", "medium")
        if not order:
            continue
        w("")
        w("# %s" % fam)
        for v in order:
            conf, fields = rules[v]
            note = "echap ioc.yaml " + ", ".join(fields)
            if fields == ["websites"]:
                note += " (vendor website: a visit is interesting, not proof)"
            conf_tok = "" if conf == "high" else " confidence=" + conf
            w("%s %s%s # %s" % (v, fam_tok, conf_tok, note))
            n += 1
    sys.stdout.write("\n".join(out) + "\n")
    sys.stderr.write("make-bundled: %d rules\n" % n)


if __name__ == "__main__":
    main()
