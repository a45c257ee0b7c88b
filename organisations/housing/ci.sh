#!/usr/bin/env sh
# What CI runs: check our library (every clause, outline and fact, and every example), check
# the Word template, render every example and compare each report, line for line, with its
# reference text in references/ (check_reference.py says the rules). Exit 1 on any difference.
#
# Run it from anywhere: ./ci.sh. It uses the `letters` on PATH, or the command in LETTERS
# (LETTERS=/path/to/venv/bin/letters ./ci.sh); and python3, or the one in PYTHON.
set -eu
cd "$(dirname "$0")"
LETTERS=${LETTERS:-letters}
PYTHON=${PYTHON:-python3}
$LETTERS clauses lint --case examples
$LETTERS templates check report
mkdir -p out
$LETTERS render examples/*.json --out-dir out -q
status=0
for case in examples/*.json; do
  name=$(basename "$case" .json)
  if [ ! -f "references/$name.txt" ]; then
    echo "ci: $case has no reference text: make one with" >&2
    echo "  $PYTHON check_reference.py --text out/$name.docx > references/$name.txt" >&2
    status=1
    continue
  fi
  "$PYTHON" check_reference.py "out/$name.docx" "references/$name.txt" || status=1
done
if [ "$status" -ne 0 ]; then
  echo "ci: a report differs from its reference (above)" >&2
  exit 1
fi
echo "ci: the library lints clean and every example renders as its reference"
