// The command world (guests.wit) for componentize-qjs (QuickJS), which
// has no console: it writes UTF-8 to wasi:cli/stdout itself.
import * as environment from 'wasi:cli/environment@0.2.12';
import * as stdout from 'wasi:cli/stdout@0.2.12';
import * as cliexit from 'wasi:cli/exit@0.2.12';

function utf8(s) {
    const out = [];
    for (const ch of s) {
        const c = ch.codePointAt(0);
        if (c < 0x80) out.push(c);
        else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
        else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
        else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    }
    return new Uint8Array(out);
}

export const run = {
    run() {
        const out = stdout.getStdout();
        const print = (s) => out.blockingWriteAndFlush(utf8(s + '\n'));
        const args = environment.getArguments();
        print(`hello from js: ${args.length} args: ${JSON.stringify(args.slice(1))}`);
        let code = null;
        for (const [k, v] of environment.getEnvironment()) {
            if (k === 'GUEST_EXIT') code = v;
            else if (k.startsWith('GUEST_')) print(`env ${k}=${v}`);
        }
        if (code === 'err') cliexit.exit({ tag: 'err' });
        if (code === 'throw') throw new Error('guest failure');
    },
};
