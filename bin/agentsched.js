#!/usr/bin/env node
// Package entry point: runs the TypeScript CLI through tsx so no build step is needed.
import { register } from 'tsx/esm/api';

register();
await import('../lib/cli/main.ts');
