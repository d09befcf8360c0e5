// Preloaded into our gateway by `BENCH_PROFILE=DIR npm run bench` (node --import): Node refuses --cpu-prof in
// NODE_OPTIONS, so the V8 profiler is started here through the inspector and its profile written on exit, to
// DIR/gateway-<pid>.cpuprofile (open it in Chrome DevTools or speedscope). A same-thread inspector session
// answers synchronously, which is what lets the profile be written from the 'exit' handler.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';
import path from 'node:path';

const dir = process.env.BENCH_PROFILE_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.once('exit', () => {
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(path.join(dir, `gateway-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
