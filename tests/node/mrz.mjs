// Checks an MRZ with the npm `mrz` package (a parser we did not write).
// Usage: node mrz.mjs "LINE1" "LINE2" "LINE3"  (or one argument with \n).
// Prints the format and every failed field; exits 0 when valid.
import { parse } from 'mrz';

const lines = process.argv.length === 3 ? process.argv[2].split('\n') : process.argv.slice(2);
const r = parse(lines);
const bad = r.details.filter((d) => !d.valid).map((d) => `${d.field}: ${d.error}`);
console.log(JSON.stringify({ format: r.format, valid: r.valid, documentNumber: r.fields.documentNumber, failed: bad }));
process.exit(r.valid ? 0 : 1);
