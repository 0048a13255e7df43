// `npm start`: the original demo end to end on embedded defaults (see `agentsched demo --help`).
process.argv.splice(2, 0, 'demo');
await import('../lib/cli/main.js');
