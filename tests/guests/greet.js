// The greeter world (guests.wit), for componentize-qjs and componentize-js.
export function greet(name) {
    return `Hello, ${name}! (${[...name].length} chars)`;
}

export function count(words) {
    return [words.length, words.join('+')];
}
