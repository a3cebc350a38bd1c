// The command world (guests.wit) for componentize-js (SpiderMonkey):
// console.log writes to wasi:cli/stdout.
import { getArguments, getEnvironment } from 'wasi:cli/environment@0.2.12';
import { exit } from 'wasi:cli/exit@0.2.12';

export const run = {
    run() {
        const args = getArguments();
        console.log(`hello from js: ${args.length} args: ${JSON.stringify(args.slice(1))}`);
        let code = null;
        for (const [k, v] of getEnvironment()) {
            if (k === 'GUEST_EXIT') code = v;
            else if (k.startsWith('GUEST_')) console.log(`env ${k}=${v}`);
        }
        if (code === 'err') exit({ tag: 'err' });
        if (code === 'throw') throw new Error('guest failure');
    },
};
