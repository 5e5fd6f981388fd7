/**
 * Prints value expressions through ts-morph's code writer, as the initializers of the module's
 * statements. ts-morph has no API for object literals with spreads and comments, so this is a
 * small writer of its own; prettier lays the text out afterwards.
 *
 * The layout decisions prettier keeps are made here: a non-empty object is written across
 * lines (prettier keeps an object expanded when its first key is on a new line), blank lines
 * between members are kept, and each comment sits on the line it belongs to.
 *
 * Only types are imported from ts-morph: loading it is up to render.ts.
 */
import type { CodeBlockWriter, WriterFunction } from "ts-morph";
import type { Expression, Member } from "./expression.js";
import type { Comment } from "./yaml-source.js";

export function expressionWriter(expression: Expression): WriterFunction {
  return (writer) => writeExpression(writer, expression);
}

export function writeExpression(writer: CodeBlockWriter, expression: Expression): void {
  switch (expression.kind) {
    case "code":
      writer.write(expression.text);
      return;
    case "call":
      writer.write(`${expression.callee}(`);
      expression.args.forEach((arg, i) => {
        if (i > 0) writer.write(", ");
        writeExpression(writer, arg);
      });
      writer.write(")");
      return;
    case "object":
      writeMembers(writer, "{", "}", expression.members, expression.closing);
      return;
    case "array":
      writeMembers(writer, "[", "]", expression.members, expression.closing);
  }
}

function writeMembers(
  writer: CodeBlockWriter,
  open: string,
  close: string,
  members: Member[],
  closing: readonly Comment[],
) {
  writer.write(open);
  if (members.length === 0 && closing.length === 0) {
    writer.write(close);
    return;
  }
  writer.indent(() => {
    for (const member of members) writeMember(writer, member);
    for (const comment of closing) writeComment(writer, comment);
  });
  writer.write(close);
}

function writeMember(writer: CodeBlockWriter, member: Member): void {
  if (member.blankBefore) writer.newLine();
  for (const comment of member.leading) writeComment(writer, comment);
  if (member.trailingAbove) for (const text of member.trailing) writer.write(lineComment(text)).newLine();
  if (member.spread) writer.write("...");
  else if (member.key !== undefined) writer.write(member.shorthand ? member.key : `${member.key}: `);
  if (!member.shorthand) writeExpression(writer, member.value);
  writer.write(",");
  if (!member.trailingAbove && member.trailing.length > 0) writer.write(` ${lineComment(member.trailing.join(" #"))}`);
  writer.newLine();
}

/** `// text` on its own line, after a blank line when the YAML had one. */
export function writeComment(writer: CodeBlockWriter, comment: Comment): void {
  if (comment.blankBefore) writer.newLine();
  writer.write(lineComment(comment.text)).newLine();
}

/** JavaScript ends a line comment at U+2028/U+2029 too; YAML does not. */
export function lineComment(text: string): string {
  return `//${text.replace(/[\u2028\u2029]/g, " ")}`;
}
