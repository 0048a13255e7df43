#!/usr/bin/env bash
# Runs inside LocalStack when it is ready: nothing to create here; topics are created by
# `npx agentsched topics create` against Redpanda, the table by `npx serverless deploy --stage local`.
echo "agentsched: LocalStack ready"
