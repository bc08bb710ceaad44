export type { RunContext, RunControl, RunLauncher } from './run-launcher.js';
export { createScriptedProducer, scriptedDeltaText, scriptedTask } from './scripted-producer.js';
export type { ScriptedProducerOptions } from './scripted-producer.js';
