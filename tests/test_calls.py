import contextlib

import pytest

from agentft.core.calls import ToolCall, ToolCallParseError, parse_python_calls, parse_tool_calls

F1 = ToolCall(name="get_weather", arguments={"city": "Paris", "days": 3})
F2 = ToolCall(name="search", arguments={"query": "llm routing", "top_k": 5})

PARSE_CASES = [
    ('<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n</tool_call>', [F1]),
    (
        '<tool_call>{"name":"get_weather","arguments":{"city":"Paris","days":3}}</tool_call>\n'
        '<tool_call>{"name":"search","arguments":{"query":"llm routing","top_k":5}}</tool_call>',
        [F1, F2],
    ),
    ('<tool_call>{"name":"get_weather","arguments":{"city":"Paris","days":3}}', [F1]),  # unterminated at EOS
    (
        '{"tool_calls": [{"id": "c1", "type": "function", "function": {"name": "get_weather", '
        '"arguments": "{\\"city\\": \\"Paris\\", \\"days\\": 3}"}}]}',
        [F1],
    ),
    (
        '[{"type": "function", "function": {"name": "search", "arguments": {"query": "llm routing", "top_k": 5}}}]',
        [F2],
    ),
    ('{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}', [F1]),
    ('{"name": "get_weather", "parameters": {"city": "Paris", "days": 3}}', [F1]),
    ('```json\n{"name": "get_weather", "arguments": {"city": "Paris", "days": 3}}\n```', [F1]),
    ('[get_weather(city="Paris", days=3), search(query="llm routing", top_k=5)]', [F1, F2]),
    ("get_weather(city='Paris', days=3)", [F1]),
    ("[get_weather(city='Paris', days=1+2)]", [F1]),
]


@pytest.mark.parametrize(("text", "expected"), PARSE_CASES)
def test_parsers(text, expected):
    assert parse_tool_calls(text) == expected


def test_python_syntax_values_follow_bfcl_decoding():
    (call,) = parse_python_calls("[math.hypot(x=-4, y=2.5, pt=(1, 2), xs=[1, 'a'], d={'k': True}, v=some_var)]")
    assert call.name == "math.hypot"
    assert call.arguments == {"x": -4, "y": 2.5, "pt": (1, 2), "xs": [1, "a"], "d": {"k": True}, "v": "some_var"}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "The weather in Paris is sunny.",
        "<tool_call>{not json}</tool_call>",
        '{"arguments": {}}',
        "[1, 2, 3]",
        "[f(x=2**100000)]",
        '{"name": "f", "arguments": "{bad"}',
    ],
)
def test_unparsable_outputs_raise(text):
    with pytest.raises(ToolCallParseError):
        parse_tool_calls(text)


def test_model_output_is_never_evaluated(tmp_path):
    marker = tmp_path / "pwned"
    payloads = [
        f"[f(x=__import__('os').system('touch {marker}'))]",
        f"[f(x=open('{marker}', 'w').write('x'))]",
        f"[f(x=(lambda: open('{marker}', 'w'))())]",
        f"__import__('os').system('touch {marker}')",
    ]
    for payload in payloads:
        with contextlib.suppress(ToolCallParseError):
            parse_tool_calls(payload)
    assert not marker.exists()


def test_round_trip_renderings():
    for render in (ToolCall.to_hermes, ToolCall.to_python):
        assert parse_tool_calls(render(F1)) == [F1]
