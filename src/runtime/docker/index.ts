/**
 * The Docker runtime: the DockerEngine interface, its dockerode implementation for real engines,
 * an in-memory fake for tests, and call instrumentation.
 */
export * from './types.js';
export { connectEngine, toDockerError, pullTarget, toDockerEvent, JsonLineSplitter, type EngineConnectOptions, type EngineTlsOptions } from './dockerode-engine.js';
export { FakeEngine, ZERO_TIME, type ExecHandler, type FakeCall, type FakeEngineOptions } from './fake-engine.js';
export { instrument, CallCounter, MUTATING_OPERATIONS, type CallFilter, type EngineCall, type EngineCallRecorder } from './instrumented-engine.js';
