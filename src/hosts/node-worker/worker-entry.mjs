// Worker threads do not inherit the parent's TypeScript loader: register tsx here, then load the real entry.
import { register } from 'tsx/esm/api';

register();
await import('./node-worker-thread.ts');
