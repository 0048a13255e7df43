// `npm run drill`: the fault drills (bench/drill/); see `npm run drill -- --help`.
export { run, USAGE } from './drill/main.js';
