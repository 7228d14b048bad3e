// Worker-thread entry for run and check: decides the files it is sent. Receives { index, task }
// messages, answers { index, result }.
import { parentPort } from 'node:worker_threads';
import { runOne, type RunTask } from './run-one.js';

const port = parentPort;
if (!port) throw new Error('decide-worker.js must run in a worker thread');
port.on('message', (m: { index: number; task: RunTask }) => {
  port.postMessage({ index: m.index, result: runOne(m.task) });
});
