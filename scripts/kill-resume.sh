#!/usr/bin/env bash
# A longer kill/resume campaign than CI's (docs/reliability-runs.md): runs KillResumeTests with more kill points.
#   scripts/kill-resume.sh [KILL_POINTS [SEED]]     (defaults: 200 kill points, seed 15; about 1 minute per 20 kills)
# Every kill is a SIGKILL of a real `mpt run` on a tiny T5 at a seeded random moment; every trial must resume to the
# uninterrupted run's results.json and files. The log lists where each kill landed.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
dotnet build -c Release tests/Mpt.Tests >/dev/null
MPT_KILL_POINTS="${1:-200}" MPT_KILL_SEED="${2:-15}" dotnet test -c Release --no-build tests/Mpt.Tests \
  --filter "FullyQualifiedName~Mpt.Tests.Reliability.KillResumeTests" --logger "console;verbosity=detailed"
