#!/usr/bin/env bash
# Rebuilds the seed inputs under corpus/ from the captured Redis traffic in
# ../testdata and a few hand-written streams. Minimised crashes that
# were promoted to the corpus (named crash-*) are left alone.
set -euo pipefail
cd "$(dirname "$0")"
shared=../testdata
max=4096

seed() { # target name file-or-dash [control bytes as printf escapes]
    local target=$1 name=$2 src=$3 control=${4:-}
    mkdir -p "corpus/$target"
    { [ -n "$control" ] && printf "$control"; cat "$src"; } > "corpus/$target/$name"
}

for target in decode decode_chunked roundtrip oracle command reply_writer reader_events; do
    find "corpus/$target" -name 'seed-*' -delete 2>/dev/null || true
done

replies() {
    for f in "$shared"/resp2/*.bin "$shared"/resp3/*.bin "$shared"/cluster/resp3/*.bin; do
        [ "$(stat -c %s "$f")" -le $max ] && echo "$f"
    done
}
requests() {
    for f in "$shared"/malformed/*.req "$shared"/clients/*/*.c2s; do
        [ "$(stat -c %s "$f")" -le $max ] && echo "$f"
    done
}

handwritten=$(mktemp -d)
trap 'rm -rf "$handwritten"' EXIT
printf '$?\r\n;4\r\nHell\r\n;2\r\no!\r\n;0\r\n*?\r\n%%?\r\n+a\r\n|1\r\n+k\r\n+v\r\n:1\r\n.\r\n~?\r\n.\r\n.\r\n' > "$handwritten/streamed.bin"
printf '|1\r\n+ttl\r\n:3\r\n>2\r\n+message\r\n=7\r\ntxt:abc\r\n(-12345678901234567890\r\n,-nan\r\n!3\r\nERR\r\n_\r\n#f\r\n' > "$handwritten/resp3_types.bin"
printf '*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n*1\r\n:1\r\n$5000\r\nabc' > "$handwritten/limits.bin"

i=0
for f in $(replies) "$handwritten"/*.bin; do
    name="seed-$(basename "$(dirname "$f")")-$(basename "$f" .bin)"
    seed decode "$name" "$f"
    seed roundtrip "$name" "$f"
    seed oracle "$name" "$f"
    seed reply_writer "$name" "$f"
    control=$(printf '\\x%02x\\x%02x' $((i % 251)) $((i * 7 % 253)))
    seed decode_chunked "$name" "$f" "$control"
    seed reader_events "$name" "$f" "$control"
    i=$((i + 1))
done
for f in $(requests); do
    name="seed-$(basename "$(dirname "$f")")-$(basename "$f")"
    control=$(printf '\\x%02x\\x%02x' $((i % 251)) $((i * 7 % 253)))
    seed command "$name" "$f" "$control"
    i=$((i + 1))
done
printf '\x03\x01SET a "b c" '"'"'d\\'"'"'e'"'"' "\\x41\\n"\r\nGET k\n*0\r\n*-1\r\n\r\n' > corpus/command/seed-handwritten-inline
