#!/usr/bin/env bash
# Packages the stack offline (osls) for the `local` stage and for a production-like stage with
# sample parameters (MSK + IAM auth, and self-managed Kafka + SCRAM), then lints the three
# CloudFormation templates with cfn-lint (from PyPI). CI runs this (.ci/run); so can anyone:
#
#   bash scripts/deploy-check.sh            # needs python3 (installs cfn-lint into .cache/cfn-lint)
#
# W3005 ("dependency already enforced by GetAtt") is ignored: serverless adds DependsOn on a
# function's role and log group itself.
set -euo pipefail
cd "$(dirname "$0")/.."
export SLS_TELEMETRY_DISABLED=1
out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

venv=.cache/cfn-lint
if [[ ! -x "$venv/bin/cfn-lint" ]]; then
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check cfn-lint
fi

prod=(
  --param="bootstrapServers=b-1.agentsched.abc123.c2.kafka.us-east-1.amazonaws.com:9098,b-2.agentsched.abc123.c2.kafka.us-east-1.amazonaws.com:9098"
  --param="subnets=subnet-0a1b2c3d4e5f60718,subnet-0b1c2d3e4f5a60718"
  --param="securityGroups=sg-0a1b2c3d4e5f60718"
  --param="alarmTopicArn=arn:aws:sns:us-east-1:123456789012:agentsched-alarms"
)
npm run --silent build
npx serverless package --stage local --package "$out/local"
npx serverless package --stage prod --package "$out/prod-msk" "${prod[@]}" \
  --param="mskClusterArn=arn:aws:kafka:us-east-1:123456789012:cluster/agentsched/0f1e2d3c-4b5a-6978-8a9b-0c1d2e3f4a5b-2" \
  --param="config=config/agentsched.example.yaml"
npx serverless package --stage prod --package "$out/prod-kafka" "${prod[@]}" --param="config=config/agentsched.example-kafka.yaml"
for t in local prod-msk prod-kafka; do
  "$venv/bin/cfn-lint" --ignore-checks W3005 -- "$out/$t/cloudformation-template-update-stack.json"
  echo "cfn-lint: $t template clean"
done
