/**
 * The syntax of SPDX license expressions (SPDX 2.3 annex D): license ids
 * (`MIT`, `GPL-2.0-only`, `GPL-2.0+`, `LicenseRef-x`), `WITH` an exception id,
 * `AND` / `OR` and parentheses. Ids are not checked against the SPDX list (which
 * changes every release); the syntax is what makes a document parse.
 */
const ID = /^(?:DocumentRef-[A-Za-z0-9.-]+:)?[A-Za-z0-9][A-Za-z0-9.-]*\+?$/;

export function isSpdxExpression(text: string): boolean {
  const tokens = text.replace(/\(/g, ' ( ').replace(/\)/g, ' ) ').trim().split(/\s+/).filter(Boolean);
  let pos = 0;
  const peek = (): string | undefined => tokens[pos];
  const isOperator = (t: string | undefined): boolean => t !== undefined && /^(AND|OR|WITH)$/.test(t);
  // expression := term (('AND' | 'OR') term)* ; term := '(' expression ')' | id ('WITH' id)?
  const term = (): boolean => {
    const token = peek();
    if (token === '(') {
      pos += 1;
      if (!expression() || peek() !== ')') return false;
      pos += 1;
      return true;
    }
    if (token === undefined || token === ')' || isOperator(token) || !ID.test(token)) return false;
    pos += 1;
    if (peek() === 'WITH') {
      pos += 1;
      const exception = peek();
      if (exception === undefined || isOperator(exception) || !ID.test(exception)) return false;
      pos += 1;
    }
    return true;
  };
  const expression = (): boolean => {
    if (!term()) return false;
    while (peek() !== undefined && /^(AND|OR)$/.test(peek()!)) {
      pos += 1;
      if (!term()) return false;
    }
    return true;
  };
  return tokens.length > 0 && expression() && pos === tokens.length;
}
