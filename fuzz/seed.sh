#!/usr/bin/env bash
# Writes the seed corpus of every fuzz target from the repository's own
# files, into fuzz/corpus/TARGET/ (ignored by git; libFuzzer grows it):
#   parse_check          fixtures/{syntax,check,compile}, rules/ (each file
#                        and all of them as one file), fixtures/fuzz/*.dxm
#   parse_grammar_aware  a few byte patterns and 64 random ones, half of them
#                        in clean mode (its bytes are choices, not text)
#   catalogue_yaml       fixtures/releases, fixtures/route, the catalogues
#                        inside multi-file check fixtures,
#                        fixtures/fuzz/*.catalogue.yaml
#   cases_yaml           rules/tests/*.yaml, a capacity file,
#                        fixtures/fuzz/*.cases.yaml, what the strict reader
#                        refuses (keys given twice, a status that is a list,
#                        locations off the globe, a test without `expect`)
#   every text target    also a BOM, a CRLF and a lone-CR copy of some seeds
#   table_artifact       tables built by `dxmap build` from rules/ and the
#                        compile and check/ok fixtures, fixtures/fuzz/*.dxt:
#                        each whole after a mode byte 0x00 (even), and its
#                        binary body after a mode byte 0x01 (odd: the target
#                        recomputes the header)
# Run from anywhere: fuzz/seed.sh. Needs cargo (it builds dxmap once).
set -euo pipefail
cd "$(dirname "$0")"
root=..
corpus=corpus
mkdir -p "$corpus"/{parse_check,parse_grammar_aware,catalogue_yaml,cases_yaml,table_artifact}

# Copies FILE to DIR under a name made from its path.
seed() {
    local file=$1 dir=$2
    local name=${file#"$root"/}
    cp "$file" "$corpus/$dir/${name//\//_}"
}

# Multi-file fixtures (`//- rules/x.dxm` lines): each part to its target.
split_fixture() {
    local file=$1 out=$2
    awk -v out="$out" '
        /^\/\/- / { name = $2; gsub("/", "_", name); path = out "/" name; next }
        path != "" { print > path }
    ' "$file"
}

shopt -s nullglob globstar
for file in "$root"/fixtures/syntax/**/*.dxm "$root"/fixtures/check/**/*.dxm \
    "$root"/fixtures/compile/*.dxm "$root"/rules/**/*.dxm "$root"/fixtures/fuzz/*.dxm; do
    seed "$file" parse_check
done
cat "$root"/rules/**/*.dxm > "$corpus/parse_check/rules_all_in_one.dxm"

parts=$(mktemp -d)
trap 'rm -rf "$parts"' EXIT
for file in "$root"/fixtures/check/**/*.dxm; do
    split_fixture "$file" "$parts"
    for part in "$parts"/*; do
        case $part in
            *.yaml) cp "$part" "$corpus/catalogue_yaml/$(basename "$file" .dxm)_$(basename "$part")" ;;
            *.dxm) cp "$part" "$corpus/parse_check/$(basename "$file" .dxm)_$(basename "$part")" ;;
        esac
        rm -f "$part"
    done
done
for file in "$root"/fixtures/releases/*.yaml "$root"/fixtures/route/*.yaml "$root"/fixtures/fuzz/*.catalogue.yaml; do
    seed "$file" catalogue_yaml
done

for file in "$root"/rules/tests/*.yaml "$root"/fixtures/fuzz/*.cases.yaml; do
    seed "$file" cases_yaml
done
printf 'FXX01: red\nCAS01: { status: amber, until: "2020-05-08T18:00:00+01:00" }\n' \
    > "$corpus/cases_yaml/capacity.yaml"
# What the strict reader refuses, each at its line.
strict=$corpus/cases_yaml
printf 'FXX01: red\nCAS01: amber\nFXX01: green\n' > "$strict/capacity-twice.yaml"
printf 'FXX01: red\n"FXX01": { status: amber }\n' > "$strict/capacity-twice-quoted.yaml"
printf 'PH1: [red]\nPH2: { status: [amber] }\nPH3: { until: soon }\n' > "$strict/capacity-lists.yaml"
test_case='{ dx: Dx05, channel: "111", age: 40, postcode: "SO16 7AB", at: "2020-05-08T15:00:00+01:00" }'
for variant in \
    "  case: { dx: Dx05, dx: Dx06, channel: ooh, age: 1, postcode: SO16 7AB, at: \"2020-05-08T15:00\" }\n  expect: { services: [] }" \
    "  case: $test_case\n  expect: { services: [] }\n  name: again" \
    "  case: $test_case\n  capacity: { FXX01: red, FXX01: amber }\n  expect: { services: [] }" \
    "  case: $test_case\n  expect: { services: [] }\n  expect: { rule: x }" \
    "  case: ${test_case%\}}, location: [1000, 0] }\n  expect: { services: [] }" \
    "  case: ${test_case%\}}, location: [.nan, 0] }\n  expect: { services: [] }" \
    "  case: ${test_case%\}}, location: [50.9, -1.4, 0] }\n  expect: { services: [] }" \
    "  case: $test_case" \
    "  case: $test_case\n  expect: {}"; do
    n=$(ls "$strict" | wc -l)
    printf -- "- name: strict\n$variant\n" > "$strict/strict-$n.yaml"
done

# A byte-order mark, CRLF and lone CR line ends: the same file to the reader.
line_ends() {
    local file=$1 dir=$2 name
    name=$(basename "$file")
    { printf '\xef\xbb\xbf'; cat "$file"; } > "$corpus/$dir/bom-$name"
    sed 's/$/\r/' "$file" > "$corpus/$dir/crlf-$name"
    tr '\n' '\r' < "$file" > "$corpus/$dir/cr-$name"
}
line_ends "$root/rules/tests/national.yaml" cases_yaml
line_ends "$corpus/cases_yaml/capacity.yaml" cases_yaml
line_ends "$root/rules/calendar.dxm" parse_check
line_ends "$root/rules/overlays/cornwall.dxm" parse_check
line_ends "$root/fixtures/releases/pathways-2015.yaml" catalogue_yaml

printf '\x00' > "$corpus/parse_grammar_aware/zero"
head -c 256 /dev/zero | tr '\0' '\1' > "$corpus/parse_grammar_aware/ones"
python3 -c 'import sys; sys.stdout.buffer.write(bytes(range(256)))' \
    > "$corpus/parse_grammar_aware/every_byte"
# Random choices, fixed by a seed; an odd first byte is clean mode.
python3 - "$corpus/parse_grammar_aware" <<'PYTHON'
import random, sys
rng = random.Random(7)
for i in range(64):
    size = rng.randint(32, 256)
    data = bytes([1 + 2 * rng.randint(0, 127)] if i % 2 else [2 * rng.randint(0, 127)])
    data += bytes(rng.randint(0, 255) for _ in range(size))
    open(f"{sys.argv[1]}/random{i:02d}", "wb").write(data)
PYTHON

# Tables: the shipped rules, and each compile fixture as a one-file tree.
(cd "$root" && cargo build -q --bin dxmap)
dxmap=$root/target/debug/dxmap
build_table() {
    local dir=$1 name=$2
    if "$dxmap" build "$dir" -o "$parts/$name.dxt" > /dev/null 2>&1; then
        { printf '\x00'; cat "$parts/$name.dxt"; } > "$corpus/table_artifact/$name.dxt"
        { printf '\x01'; tail -n +2 "$parts/$name.dxt"; } > "$corpus/table_artifact/$name.body"
    fi
}
build_table "$root/rules" rules
for file in "$root"/fixtures/fuzz/*.dxt; do
    { printf '\x00'; cat "$file"; } > "$corpus/table_artifact/fixture_$(basename "$file")"
done
for file in "$root"/fixtures/compile/*.dxm "$root"/fixtures/check/ok/*.dxm; do
    tree=$parts/tree-$(basename "$file" .dxm)
    mkdir -p "$tree"
    if grep -q '^//- ' "$file"; then
        awk -v out="$tree" '
            /^\/\/- / { path = out "/" $2; sub("/[^/]*$", "", path); system("mkdir -p \"" path "\""); path = out "/" $2; next }
            path != "" { print > path }
        ' "$file"
    else
        cp "$file" "$tree/"
    fi
    build_table "$tree" "$(basename "$file" .dxm)"
done
for target in "$corpus"/*; do
    echo "$(ls "$target" | wc -l) inputs in $target"
done
