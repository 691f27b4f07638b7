// BullMQ's sandbox imports the processor file with a plain dynamic import(),
// in a child process that cannot load TypeScript by itself. This boot file
// registers tsx's loader (scoped: only imports made through it are compiled)
// and hands BullMQ the TypeScript processor's default export.
import { tsImport } from 'tsx/esm/api';

const mod = await tsImport('./processor.ts', import.meta.url);
export default mod.default;
