#!/usr/bin/env bash
# The long parser-fuzzing campaign (docs/reliability.md): every parser of a file Mpt may get from a stranger is fed
# MPT_FUZZ_INPUTS mutated inputs (default 50,000 each; CI's smoke run is 10,000 each as part of the normal test suite).
# MPT_FUZZ_SEED=<CsCheck seed> replays a reported failure; MPT_FUZZ_TARGET=<substring> runs only the parsers whose name
# contains it. Prints executions, time and rate per parser and the total.
#   MPT_FUZZ_INPUTS=100000 scripts/fuzz.sh
#   MPT_FUZZ_TARGET=parquet MPT_FUZZ_SEED=2mTzhskpxm-1 MPT_FUZZ_INPUTS=46000 scripts/fuzz.sh
set -euo pipefail
cd "$(dirname "$0")/.."

export MPT_FUZZ_INPUTS="${MPT_FUZZ_INPUTS:-50000}"
# New inputs on every campaign (the test suite uses a fixed seed per parser); a given seed replays a failure.
export MPT_FUZZ_SEED="${MPT_FUZZ_SEED:-random}"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

if [ "${MPT_FUZZ_NO_BUILD:-0}" != "1" ]; then
  dotnet build tests/Mpt.Tests -c Release 2>&1 | tail -3
fi

log=$(mktemp)
start=$(date +%s)
set +e
dotnet test tests/Mpt.Tests -c Release --no-build \
  --filter "FullyQualifiedName~Mpt.Tests.Fuzz.ParserFuzzTests.Should_Accept_Or_Reject${MPT_FUZZ_TARGET:+&DisplayName~$MPT_FUZZ_TARGET}" \
  --logger "console;verbosity=detailed" >"$log" 2>&1
status=$?
set -e
end=$(date +%s)

echo "parser fuzzing, ${MPT_FUZZ_INPUTS} inputs per parser, seed ${MPT_FUZZ_SEED}:"
# (each grep may find nothing; under pipefail that would end the script before its summary)
{ grep -a -E '^ *fuzz [a-z0-9-]+: [0-9]+ inputs ' "$log" || true; } | sed 's/^ *//' | sort -u
{ grep -a -E 'FuzzFailure :|CsCheckException :' "$log" || true; } | sed 's/^ *//' | sort -u | cut -c1-600
total=$({ grep -a -Eo '^ *fuzz [a-z0-9-]+: [0-9]+ inputs' "$log" || true; } | sort -u | awk '{s+=$3} END {print s+0}')
failed=$({ grep -a -Eo 'Failed: +[0-9]+' "$log" || true; } | awk '{s+=$2} END {print s+0}')
echo "total: ${total} inputs passed the property in $((end - start)) s wall; ${failed} parser(s) failed (full log: $log)"
exit "$status"
