"""Tool calls and the parsers for what models emit.

Supported outputs: OpenAI `tool_calls` JSON, Hermes `<tool_call>{...}</tool_call>` blocks, a bare JSON object
or list of objects, and BFCL's Python-call syntax `[f(a=1), g(b="x")]`. Python syntax is read with `ast` and
only literal values are accepted — model output is never evaluated.
"""

from __future__ import annotations

import ast
import json
import operator
import re
from typing import Any

from pydantic import BaseModel, Field


class ToolCallParseError(ValueError):
    """The text is not a tool call in any supported format."""


class ToolCall(BaseModel):
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)

    def to_openai(self) -> dict[str, Any]:
        """TRL's conversational format: arguments stay a JSON object (not a string)."""
        return {"type": "function", "function": {"name": self.name, "arguments": self.arguments}}

    def to_bfcl(self) -> dict[str, dict[str, Any]]:
        return {self.name: self.arguments}

    def to_hermes(self) -> str:
        body = json.dumps({"name": self.name, "arguments": self.arguments}, ensure_ascii=False)
        return f"<tool_call>\n{body}\n</tool_call>"

    def to_python(self) -> str:
        args = ", ".join(f"{k}={_py_literal(v)}" for k, v in self.arguments.items())
        return f"{self.name}({args})"


def _py_literal(value: Any) -> str:
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py_literal(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{_py_literal(k)}: {_py_literal(v)}" for k, v in value.items()) + "}"
    return repr(value)


_HERMES = re.compile(r"<tool_call>\s*(.*?)\s*(?:</tool_call>|$)", re.DOTALL)
_FENCE = re.compile(r"^```[a-zA-Z0-9_-]*\s*\n?(.*?)\n?```$", re.DOTALL)
_CALL_NAME = re.compile(r'"name"\s*:\s*"((?:[^"\\]|\\.)*)(")?')


def _call_from_obj(obj: Any) -> list[ToolCall]:
    """Accept the JSON shapes models and APIs use for calls."""
    if isinstance(obj, list):
        calls: list[ToolCall] = []
        for item in obj:
            calls.extend(_call_from_obj(item))
        return calls
    if not isinstance(obj, dict):
        raise ToolCallParseError(f"expected a call object, got {type(obj).__name__}")
    if "tool_calls" in obj:
        return _call_from_obj(obj["tool_calls"])
    if isinstance(obj.get("function"), dict):
        obj = obj["function"]
    name = obj.get("name")
    if not isinstance(name, str) or not name:
        raise ToolCallParseError("call object has no 'name'")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):  # OpenAI API sends arguments as a JSON string
        try:
            args = json.loads(args) if args.strip() else {}
        except json.JSONDecodeError as exc:
            raise ToolCallParseError(f"arguments of {name!r} are not valid JSON: {exc.msg}") from None
    if not isinstance(args, dict):
        raise ToolCallParseError(f"arguments of {name!r} must be an object")
    return [ToolCall(name=name, arguments=args)]


# --- BFCL Python-call syntax -------------------------------------------------------------------------------

_BINOPS = {
    ast.Add: operator.add,
    ast.Sub: operator.sub,
    ast.Mult: operator.mul,
    ast.Div: operator.truediv,
    ast.FloorDiv: operator.floordiv,
    ast.Mod: operator.mod,
    ast.Pow: operator.pow,
}


def _arith(node: ast.AST) -> Any:
    """Constant-fold numeric arithmetic (BFCL accepts e.g. `x=2*3`) without evaluating anything else."""
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        value = _arith(node.operand)
        return -value if isinstance(node.op, ast.USub) else value
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        left, right = _arith(node.left), _arith(node.right)
        if isinstance(node.op, ast.Pow) and abs(right) > 64:
            raise ToolCallParseError("exponent too large")
        try:
            return _BINOPS[type(node.op)](left, right)
        except ArithmeticError as exc:
            raise ToolCallParseError(f"bad arithmetic: {exc}") from None
    raise ToolCallParseError(f"unsupported expression {ast.unparse(node)!r}")


def _literal(node: ast.AST) -> Any:
    """Resolve an argument value the way BFCL's decoder does, with arithmetic folded instead of eval'd."""
    if isinstance(node, ast.Constant):
        return "..." if node.value is Ellipsis else node.value
    if isinstance(node, ast.UnaryOp):
        if isinstance(node.operand, ast.Constant):
            return -node.operand.value if not isinstance(node.op, ast.UAdd) else node.operand.value
        return _arith(node)
    if isinstance(node, ast.List):
        return [_literal(v) for v in node.elts]
    if isinstance(node, ast.Tuple):
        return tuple(_literal(v) for v in node.elts)
    if isinstance(node, ast.Dict):
        return {_literal(k): _literal(v) for k, v in zip(node.keys, node.values, strict=True)}
    if isinstance(node, ast.BinOp):
        return _arith(node)
    if isinstance(node, ast.Name):  # a variable reference: BFCL compares it as its name
        return node.id
    if isinstance(node, ast.Call):
        if not node.keywords:
            return ast.unparse(node)
        return _python_call(node).to_bfcl()
    if isinstance(node, (ast.Subscript, ast.Attribute, ast.Lambda)):
        return ast.unparse(node)
    raise ToolCallParseError(f"unsupported value {ast.unparse(node)!r}")


def _func_name(node: ast.AST) -> str:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if isinstance(node, ast.Name):
        parts.append(node.id)
    else:
        raise ToolCallParseError("function name must be a dotted identifier")
    return ".".join(reversed(parts))


def _python_call(node: ast.Call) -> ToolCall:
    # Like BFCL, only keyword arguments count; positional ones are dropped (and then show up as missing).
    return ToolCall(
        name=_func_name(node.func), arguments={kw.arg: _literal(kw.value) for kw in node.keywords if kw.arg}
    )


def parse_python_calls(text: str) -> list[ToolCall]:
    """Parse `[f(a=1), g(b="x")]` or `f(a=1)` with `ast` (never eval)."""
    source = text.strip().strip("`").strip()
    if source.startswith("python\n"):
        source = source[len("python\n") :]
    try:
        tree = ast.parse(source.strip().strip("'"), mode="eval")
    except SyntaxError as exc:
        raise ToolCallParseError(f"not Python call syntax: {exc.msg}") from None
    body = tree.body
    elts = [body] if isinstance(body, ast.Call) else getattr(body, "elts", None)
    if elts is None or not all(isinstance(e, ast.Call) for e in elts):
        raise ToolCallParseError("expected a function call or a list of function calls")
    return [_python_call(e) for e in elts]


def parse_tool_calls(text: str) -> list[ToolCall]:
    """Parse any supported tool-call format; raises ToolCallParseError when the text holds no call."""
    if not isinstance(text, str) or not text.strip():
        raise ToolCallParseError("empty output")
    blocks = _HERMES.findall(text)
    if blocks:
        calls: list[ToolCall] = []
        for block in blocks:
            try:
                calls.extend(_call_from_obj(json.loads(block)))
            except json.JSONDecodeError as exc:
                raise ToolCallParseError(f"<tool_call> block is not valid JSON: {exc.msg}") from None
        return calls
    stripped = text.strip()
    fenced = _FENCE.match(stripped)
    if fenced:
        stripped = fenced.group(1).strip()
    if stripped[:1] in "[{":
        try:
            return _call_from_obj(json.loads(stripped))
        except json.JSONDecodeError:
            pass  # may still be Python syntax, e.g. [f(a=1)]
    return parse_python_calls(stripped)


def attempted_call_names(text: str) -> list[str]:
    """The names of the calls a reply started, complete or not; "" where a call is cut off before its name ends.

    A reply cut by the token budget is still a choice of tool: the safety gate judges that choice, and its name is
    written before the arguments, so a short budget reads it without decoding whole calls.
    """
    blocks = _HERMES.findall(text) or [text]
    names = []
    for block in blocks:
        match = _CALL_NAME.search(block)
        names.append(match.group(1) if match and match.group(2) else "")
    return names


def message_calls(message: dict[str, Any]) -> list[ToolCall]:
    """The calls of an OpenAI-format assistant message (a dataset row's answer)."""
    return [
        ToolCall(name=c["function"]["name"], arguments=c["function"]["arguments"])
        for c in message.get("tool_calls", [])
    ]
