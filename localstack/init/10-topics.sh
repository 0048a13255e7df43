#!/usr/bin/env bash
# Runs inside LocalStack when it is ready. Nothing to create here: the tables come with
# `npx serverless deploy --stage local` (CloudFormation), the topics with the runner
# (`agentsched dev` creates the configured topics on Redpanda), the models with the runner too
# (it registers config/agentsched.local.yaml's fleet in agentsched-local-capacity).
echo "agentsched: LocalStack ready"
