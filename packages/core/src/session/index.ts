export { applyRecord, applyRecords, createSessionState } from './reducer.js';
