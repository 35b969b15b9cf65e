// One way for every benchmark to read its command line: each option in turn, with readers for its
// value that consume the next argument (so a benchmark's parser is one switch over the names).
//
//   for (const { name, val, int } of commandLine(argv, 1)) switch (name) { case '--n': o.n = int(); ... }
//
// `minInt` is the least integer int() accepts (-Infinity: any integer).
export function* commandLine(argv, minInt = -Infinity) {
  for (let i = 0; i < argv.length; ++i) {
    const name = argv[i];
    const val = () => {
      if (i + 1 >= argv.length) throw new Error(`${name} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const v = Number(val());
      if (!Number.isInteger(v) || v < minInt) {
        throw new Error(`${name} needs ${minInt === -Infinity ? 'an integer' : `an integer >= ${minInt}`}`);
      }
      return v;
    };
    yield { name, val, int };
  }
}
