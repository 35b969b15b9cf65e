// The differences between cria and llama-server that are known and accepted, each with its reason
// (docs/compatibility.md prints them). A rule: { case (id or RegExp, default any), kind ('missing',
// 'type', 'status', 'error type'), path (string or RegExp), why }. The first rule that matches a
// row explains it; a row no rule matches is unexplained and fails the suite.
const RULES = [];

const matches = (pattern, value) =>
  pattern === undefined || (pattern instanceof RegExp ? pattern.test(value) : pattern === value);

export function explain(caseId, row) {
  for (const rule of RULES) {
    if (matches(rule.case, caseId) && matches(rule.kind, row.kind) && matches(rule.path, row.path)) return rule.why;
  }
  return '';
}

export { RULES };
