"""The one prompt format agentft trains and serves with: ChatML, tools in the system turn, Hermes `<tool_call>` blocks.

Many small bases (SmolLM2 among them) ship chat templates that ignore `tools=`, so agentft renders tools and calls
itself. Training rows are prepared with the tools already inlined into the system message (`inline_tools`), which is
what the template produces from `tools=` too; a test holds the two token-identical. The assistant turn, including its
`<|im_end|>`, sits inside `{% generation %}` so TRL's `assistant_only_loss` trains exactly the call and the stop;
an assistant turn with `"weight": 0` (OpenAI's fine-tuning convention) stays outside it, so a row can show a mistake
in its context (a call the tool rejected) without teaching it.
"""

from __future__ import annotations

import json
from typing import Any

# The system turn of every training row, evaluation case and agent step: one instruction, so what is measured is
# what was trained.
SYSTEM_PROMPT = (
    "You are a helpful assistant with access to tools. When a tool fits the request, call it with arguments "
    "taken from the request; when none fits, answer directly without calling a tool."
)
TOOLS_HEADER = (
    "\n\n# Tools\n\nYou may call one or more functions. Function signatures are within <tools></tools>:\n<tools>"
)
TOOLS_FOOTER = (
    "\n</tools>\n\nFor each call, return a JSON object with the function name and arguments within "
    '<tool_call></tool_call> tags:\n<tool_call>\n{"name": <function-name>, "arguments": <args-json-object>}\n'
    "</tool_call>"
)
END_OF_TURN = "<|im_end|>"

# Jinja mirror of `inline_tools` + `format_tool_calls`; `tojson` in transformers is json.dumps(ensure_ascii=False).
TOOL_CHAT_TEMPLATE = (
    "{%- set ns = namespace(system=none) -%}"
    "{%- if messages and messages[0].role == 'system' -%}{%- set ns.system = messages[0].content -%}"
    "{%- set rest = messages[1:] -%}{%- else -%}{%- set rest = messages -%}{%- endif -%}"
    "{%- if tools -%}"
    "{%- set body = namespace(text=(ns.system or '') + '" + TOOLS_HEADER.replace("\n", "\\n") + "') -%}"
    "{%- for tool in tools -%}{%- set body.text = body.text + '\\n' + (tool | tojson) -%}{%- endfor -%}"
    "{%- set ns.system = body.text + '" + TOOLS_FOOTER.replace("\n", "\\n").replace("'", "\\'") + "' -%}"
    "{%- endif -%}"
    "{%- if ns.system is not none -%}{{ '<|im_start|>system\\n' + ns.system + '<|im_end|>\\n' }}{%- endif -%}"
    "{%- macro assistant_turn(message) -%}"
    "{%- if message.content -%}{{ message.content }}{%- endif -%}"
    "{%- for call in (message.tool_calls or []) -%}"
    "{%- set fn = call.function if call.function is defined else call -%}"
    "{%- if loop.index0 > 0 or message.content -%}{{ '\\n' }}{%- endif -%}"
    "{{ '<tool_call>\\n{\"name\": ' + (fn.name | tojson) + ', \"arguments\": ' }}"
    "{%- if fn.arguments is string -%}{{ fn.arguments }}{%- else -%}{{ fn.arguments | tojson }}{%- endif -%}"
    "{{ '}\\n</tool_call>' }}"
    "{%- endfor -%}"
    "{{ '<|im_end|>' }}"
    "{%- endmacro -%}"
    "{%- for message in rest -%}"
    "{%- if message.role == 'assistant' -%}"
    "{{ '<|im_start|>assistant\\n' }}"
    "{%- if message.weight == 0 -%}{{ assistant_turn(message) }}"
    "{%- else -%}{%- generation -%}{{ assistant_turn(message) }}{%- endgeneration -%}{%- endif -%}{{ '\\n' }}"
    "{%- elif message.role == 'tool' -%}"
    "{{ '<|im_start|>user\\n<tool_response>\\n' + message.content + '\\n</tool_response><|im_end|>\\n' }}"
    "{%- else -%}"
    "{{ '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>\\n' }}"
    "{%- endif -%}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{ '<|im_start|>assistant\\n' }}{%- endif -%}"
)


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False)


def inline_tools(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """Messages with the tool block folded into the system turn (added if absent), as the template renders it."""
    if not tools:
        return list(messages)
    has_system = bool(messages) and messages[0].get("role") == "system"
    system = (messages[0].get("content") or "") if has_system else ""
    text = system + TOOLS_HEADER + "".join("\n" + _dumps(t) for t in tools) + TOOLS_FOOTER
    return [{"role": "system", "content": text}, *messages[1 if has_system else 0 :]]


def format_tool_calls(tool_calls: list[dict[str, Any]]) -> str:
    """The assistant text of a list of OpenAI-style calls, as the template renders it."""
    parts = []
    for call in tool_calls:
        fn = call.get("function", call)
        args = fn.get("arguments", {})
        args_text = args if isinstance(args, str) else _dumps(args)
        parts.append('<tool_call>\n{"name": ' + _dumps(fn["name"]) + ', "arguments": ' + args_text + "}\n</tool_call>")
    return "\n".join(parts)


def flat_message(message: dict[str, Any]) -> dict[str, Any]:
    """A message as plain `{role, content}` text: Arrow-friendly (no per-row argument structs) and template-exact.
    A `weight` is kept: the template leaves an assistant turn weighted 0 out of the trained tokens."""
    content = message.get("content") or ""
    if message.get("tool_calls"):
        calls = format_tool_calls(message["tool_calls"])
        content = f"{content}\n{calls}" if content else calls
    flat: dict[str, Any] = {"role": message["role"], "content": content}
    if "weight" in message:
        flat["weight"] = message["weight"]
    return flat


def chat_messages(messages: list[dict[str, Any]], tools: list[dict[str, Any]] | None) -> list[dict[str, str]]:
    """Dataset messages → the flat, tools-inlined form used for training and for embedded inference."""
    return [flat_message(m) for m in inline_tools(messages, tools)]


def apply_tool_template(tokenizer: Any) -> Any:
    """Install the agentft template; ChatML markers are plain text for vocabularies without them."""
    tokenizer.chat_template = TOOL_CHAT_TEMPLATE
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    return tokenizer
