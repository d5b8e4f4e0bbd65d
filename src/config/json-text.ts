// JSON text from users (config files): strict JSON.parse, and on failure a message with the line
// and column of the first problem. V8's own messages give a character offset only sometimes
// ("Unexpected token '}', ... is not valid JSON" has none), so jsonc-parser locates it.
import { parse as parseJsonc, printParseErrorCode, type ParseError } from 'jsonc-parser';
import { ConfigError } from './resolve.js';

/** 1-based line and column of a character offset. */
export function lineColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let i = 0; i < Math.min(offset, text.length); i++)
    if (text[i] === '\n') {
      line++;
      start = i + 1;
    }
  return { line, column: Math.min(offset, text.length) - start + 1 };
}

const WHAT: Record<string, string> = {
  InvalidSymbol: 'unexpected character',
  InvalidNumberFormat: 'invalid number',
  PropertyNameExpected: 'expected a property name in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':'",
  CommaExpected: "expected ','",
  CloseBraceExpected: "expected '}'",
  CloseBracketExpected: "expected ']'",
  EndOfFileExpected: 'unexpected text after the JSON value',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'unterminated string',
  UnexpectedEndOfNumber: 'unterminated number',
  InvalidUnicode: 'invalid \\u escape',
  InvalidEscapeCharacter: 'invalid escape character',
  InvalidCharacter: 'invalid character in a string (control characters must be escaped)',
};

/** The offset and description of the first syntax error in text that JSON.parse rejected. */
function locate(text: string, v8Message: string): { offset: number; what: string } {
  const errors: ParseError[] = [];
  parseJsonc(text, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
  if (errors.length) {
    const first = errors.reduce((a, b) => (b.offset < a.offset ? b : a));
    const code = printParseErrorCode(first.error);
    return { offset: first.offset, what: WHAT[code] ?? code };
  }
  // jsonc-parser is more lenient in a few corners (e.g. some control characters); use V8's words
  const pos = /at position (\d+)/.exec(v8Message);
  return { offset: pos ? Number(pos[1]) : text.length, what: v8Message };
}

/**
 * Parses JSON text; a syntax error becomes a ConfigError
 * `<source>: not valid JSON at line L, column C: <what>`, then the line with a caret under the problem.
 */
export function parseJsonText(text: string, source: string): unknown {
  // a UTF-8 byte order mark is common in files saved by Windows editors
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    if (body.trim() === '') throw new ConfigError(`${source}: not valid JSON: the file is empty; expected an object such as {"train": {"iterations": 2000}}`);
    const { offset, what } = locate(body, e.message);
    const { line, column } = lineColumn(body, offset);
    // the line, cut to 60 characters around the column, with a caret under the problem
    const lineText = (body.split('\n')[line - 1] ?? '').replace(/\r$/, '').replace(/\t/g, ' ');
    const from = Math.max(0, column - 40);
    const shown = lineText.slice(from, from + 60);
    const snippet = shown.trim() ? `\n  ${shown}\n  ${' '.repeat(column - 1 - from)}^` : '';
    throw new ConfigError(`${source}: not valid JSON at line ${line}, column ${column}: ${what}${snippet}`);
  }
}
