import fc from 'fast-check';

// Property tests draw from a fixed seed so that CI is reproducible: a red
// run on a clean clone must be a real failure, found again by anyone who
// reruns it. FC_SEED=<n> explores other draws locally.
fc.configureGlobal({ seed: process.env.FC_SEED !== undefined ? Number(process.env.FC_SEED) : 20_261_126 });
