// The facts moved to ./facts (one file per service). This re-export keeps src/report's imports
// working until the report moves to the cli package; new code imports from ./facts.
export * from './facts';
