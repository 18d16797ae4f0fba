/**
 * Keys that occur more than once in one JSON object anywhere in `text` (as `path.key`).
 * `JSON.parse` silently keeps the last of them; many log shippers reject the line instead.
 */
export function duplicateKeys(text: string): string[] {
  const found: string[] = [];
  let i = 0;
  const ws = () => {
    while (i < text.length && " \t\r\n".includes(text[i] as string)) i++;
  };
  const string = (): string => {
    const start = i;
    i++; // opening quote
    while (i < text.length && text[i] !== '"') i += text[i] === "\\" ? 2 : 1;
    i++; // closing quote
    return JSON.parse(text.slice(start, i)) as string;
  };
  const value = (path: string): void => {
    ws();
    const c = text[i];
    if (c === "{") {
      i++;
      const seen = new Set<string>();
      ws();
      if (text[i] === "}") {
        i++;
        return;
      }
      while (i < text.length) {
        ws();
        const key = string();
        if (seen.has(key)) found.push(path ? `${path}.${key}` : key);
        seen.add(key);
        ws();
        i++; // colon
        value(path ? `${path}.${key}` : key);
        ws();
        if (text[i++] === "}") return;
      }
    } else if (c === "[") {
      i++;
      ws();
      if (text[i] === "]") {
        i++;
        return;
      }
      while (i < text.length) {
        value(`${path}[]`);
        ws();
        if (text[i++] === "]") return;
      }
    } else if (c === '"') {
      string();
    } else {
      while (i < text.length && !",}] \t\r\n".includes(text[i] as string)) i++;
    }
  };
  JSON.parse(text); // well-formed first: the scan below assumes it
  value("");
  return found;
}
