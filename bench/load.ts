// `npm run bench -- load --scenario <name> [--seconds S] [--rate R]`: the load bench (bench/load/).
export { run } from './load/main.js';
