#!/bin/sh
# embed.sh NAME FILE: print a C file defining `const unsigned char NAME[]`
# (the bytes of FILE plus a terminating NUL) and `const unsigned long NAME_len`.
set -eu
name=$1 file=$2
printf '/* generated from %s by .ci/embed.sh; do not edit */\n' "$file"
printf 'extern const unsigned char %s[];\nextern const unsigned long %s_len;\n' "$name" "$name"
printf 'const unsigned char %s[] = {\n' "$name"
od -An -v -tx1 "$file" | sed -e 's/ \([0-9a-f][0-9a-f]\)/0x\1,/g' -e 's/^/ /'
printf ' 0x00\n};\nconst unsigned long %s_len = sizeof(%s) - 1;\n' "$name" "$name"
