"""BFCL-compatible AST scoring.

Reproduces the verdicts of the official BFCL AST checker (gorilla `bfcl_eval/eval_checker/ast_eval`) for the
Python categories: simple_python, multiple, parallel, parallel_multiple, live_simple, live_multiple,
live_parallel, live_parallel_multiple, and the relevance categories (irrelevance, live_irrelevance,
live_relevance). Its rules, including their quirks, are kept on purpose so that scores are comparable:

* exact function name; required params present; no params outside the doc *or* outside the answer;
* strict Python types (`type(v) == T`, so bool is not int), except int is accepted for float;
* a value whose type matches the answer's type instead of the doc's is a "variable" and compared as such;
* strings are compared after `standardize_string` (drop ` ,./-_*^`, lowercase, ' -> ");
* lists compare element-wise in order; dicts per key; lists of dicts per element;
* an omitted param is fine only when "" is among its accepted values;
* parallel calls are matched order-free with equal counts (first match greedy, as BFCL does).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agentft.core.calls import ToolCall, ToolCallParseError, parse_tool_calls
from agentft.core.errors import AgentftError
from agentft.core.io import iter_jsonl

# BFCL's Python mapping: "any" is compared as a string and "tuple" as a list (JSON has no tuples).
PYTHON_TYPES: dict[str, type] = {
    "string": str,
    "integer": int,
    "float": float,
    "boolean": bool,
    "array": list,
    "tuple": list,
    "dict": dict,
    "any": str,
}
NESTED_TYPES = ("array", "tuple")
RELEVANCE_CATEGORIES = ("irrelevance", "live_irrelevance", "live_relevance")
# Generation budget that fits every answer: in agentft's <tool_call> format BFCL parallel answers run to 235 tokens
# (22 of the first 100 need more than 160), and a reply cut short is scored as undecodable, not as wrong.
EVAL_MAX_NEW_TOKENS = 384
AST_CATEGORIES = (
    "simple_python",
    "multiple",
    "parallel",
    "parallel_multiple",
    "live_simple",
    "live_multiple",
    "live_parallel",
    "live_parallel_multiple",
)
_STANDARDIZE = re.compile(r"[ ,./\-_*^]")

Decoded = list[dict[str, dict[str, Any]]]  # BFCL's decoded output: [{func_name: {param: value}}]


@dataclass
class Verdict:
    valid: bool
    error_type: str | None = None
    errors: list[Any] = field(default_factory=list)

    @classmethod
    def fail(cls, error_type: str, *errors: Any) -> Verdict:
        return cls(False, error_type, list(errors))


OK = Verdict(True)


def standardize_string(text: str) -> str:
    return _STANDARDIZE.sub("", text).lower().replace("'", '"')


def _answer_type(accepted: list[Any]) -> type | None:
    for answer in accepted:
        if answer != "":
            return type(answer)
    return None


def _check_type(
    param: str, value: Any, accepted: list[Any], type_name: str, expected: type, nested: type | None
) -> tuple[Verdict, bool]:
    """Returns (verdict, is_variable). Nested checking is one level deep, as in BFCL."""
    answer_type = _answer_type(accepted)
    is_variable = answer_type is not None and answer_type != expected
    if type(value) is expected:
        if nested is None:
            return OK, is_variable
        for candidate in accepted:
            if type(candidate) is list and not all(
                _check_type(param, item, candidate, str(nested), nested, None)[0].valid for item in value
            ):
                continue
            return OK, is_variable
        nested_error = Verdict.fail(
            "type_error:nested",
            f"Nested type checking failed for parameter {param!r}. Expected outer type {type_name} with inner "
            f"type {nested}. Parameter value: {value!r}.",
        )
    else:
        nested_error = None
    if answer_type is not None and type(value) is answer_type:
        return OK, True
    errors = list(nested_error.errors) if nested_error else []
    errors.append(
        f"Incorrect type for parameter {param!r}. Expected type {type_name}, got {type(value).__name__}. "
        f"Parameter value: {value!r}."
    )
    return Verdict(False, "type_error:simple", errors), is_variable


def _standardized(values: list[Any]) -> list[Any]:
    return [standardize_string(v) if type(v) is str else v for v in values]


def _check_string(param: str, value: str, accepted: list[Any]) -> Verdict:
    options = [standardize_string(a) for a in accepted if type(a) is str]
    if standardize_string(value) in options:
        return OK
    return Verdict.fail(
        "value_error:string",
        f"Invalid value for parameter {param!r}: {value!r}. Expected one of {accepted}. Case insensitive.",
    )


def _check_list(param: str, value: list[Any], accepted: list[Any]) -> Verdict:
    if _standardized(list(value)) in [_standardized(list(a)) for a in accepted]:
        return OK
    return Verdict.fail(
        "value_error:list/tuple", f"Invalid value for parameter {param!r}: {value!r}. Expected one of {accepted}."
    )


def _check_dict(param: str, value: dict[str, Any], accepted: list[Any]) -> Verdict:
    verdict = Verdict.fail("dict_checker:unclear")
    for answer in accepted:
        if answer == "":
            continue
        verdict = _match_dict(value, answer)
        if verdict.valid:
            return OK
    return verdict


def _match_dict(value: dict[str, Any], answer: dict[str, Any]) -> Verdict:
    for key, item in value.items():
        if key not in answer:
            return Verdict.fail("value_error:dict_key", f"Unexpected dict key parameter: '{key}'.")
        options = _standardized(answer[key])
        item = standardize_string(item) if type(item) is str else item
        if item not in options:
            return Verdict.fail(
                "value_error:dict_value", f"Invalid value for parameter {key!r}: {item!r}. Expected one of {options}."
            )
    for key, options in answer.items():
        if key not in value and "" not in options:
            return Verdict.fail("value_error:dict_key", f"Missing dict key parameter: '{key}'.")
    return OK


def _check_list_of_dicts(param: str, value: list[Any], accepted: list[Any]) -> Verdict:
    verdict = Verdict.fail("list_dict_checker:unclear")
    for answer in accepted:
        if len(value) != len(answer):
            verdict = Verdict.fail("value_error:list_dict_count", "Wrong number of dictionaries in the list.")
            continue
        for item, expected in zip(value, answer, strict=True):
            verdict = _check_dict(param, item, [expected])
            if not verdict.valid:
                break
        else:
            return OK
    return verdict


def check_call(doc: dict[str, Any], call: dict[str, Any], answer: dict[str, dict[str, list[Any]]]) -> Verdict:
    """One decoded call `{name: {param: value}}` against one BFCL answer `{name: {param: [accepted...]}}`."""
    accepted_params = next(iter(answer.values()))
    name = doc["name"]
    params_doc = doc["parameters"]["properties"]
    if name not in call:
        return Verdict.fail(
            "simple_function_checker:wrong_func_name", f"Function name {name!r} not found in model output."
        )
    args = call[name]
    for param in doc["parameters"].get("required", []):
        if param not in args:
            return Verdict.fail("simple_function_checker:missing_required", f"Missing required parameter: {param!r}.")
    for param, value in args.items():
        if param not in params_doc or param not in accepted_params:
            return Verdict.fail("simple_function_checker:unexpected_param", f"Unexpected parameter: {param!r}.")
        type_name = params_doc[param].get("type")
        if type_name not in PYTHON_TYPES:
            return Verdict.fail("type_error:simple", f"Unsupported type {type_name!r} for parameter {param!r}.")
        expected = PYTHON_TYPES[type_name]
        nested = None
        if type_name in NESTED_TYPES:
            nested_name = params_doc[param].get("items", {}).get("type")
            if nested_name not in PYTHON_TYPES:
                return Verdict.fail("type_error:nested", f"Unsupported item type {nested_name!r} for {param!r}.")
            nested = PYTHON_TYPES[nested_name]
        if type_name == "tuple" and type(value) is tuple:
            value = list(value)
        if type_name == "float" and type(value) is int:
            value = float(value)
        accepted = accepted_params[param]
        verdict, is_variable = _check_type(param, value, accepted, type_name, expected, nested)
        if not verdict.valid:
            return verdict
        if not is_variable:
            if expected is dict:
                special = _check_dict(param, value, accepted)
            elif expected is list and nested is dict:
                special = _check_list_of_dicts(param, value, accepted)
            elif expected is str:
                special = _check_string(param, value, accepted)
            elif expected is list:
                special = _check_list(param, value, accepted)
            else:
                special = None
            if special is not None:
                if not special.valid:
                    return special
                continue
        if value not in accepted:
            return Verdict.fail(
                "value_error:others", f"Invalid value for parameter {param!r}: {value!r}. Expected one of {accepted}."
            )
    for param, accepted in accepted_params.items():
        if param not in args and "" not in accepted:
            return Verdict.fail(
                "simple_function_checker:missing_optional",
                f"Optional parameter {param!r} not provided and not marked as optional.",
            )
    return OK


def _find_doc(docs: list[dict[str, Any]], name: str) -> dict[str, Any] | None:
    return next((d for d in docs if d["name"] == name), None)


def _check_parallel(docs: list[dict[str, Any]], output: Decoded, answers: list[dict[str, Any]], kind: str) -> Verdict:
    if len(output) != len(answers):
        return Verdict.fail(f"{kind}:wrong_count", "Wrong number of functions.")
    matched: set[int] = set()
    for index, answer in enumerate(answers):
        doc = _find_doc(docs, next(iter(answer)))
        sub_errors: list[Any] = []
        verdict = Verdict.fail(f"{kind}:cannot_find_match")
        for candidate, call in enumerate(output):
            if candidate in matched:
                continue
            verdict = check_call(doc, call, answer)
            if verdict.valid:
                matched.add(candidate)
                break
            sub_errors.append(
                {
                    f"Model Result Index {candidate}": {
                        "sub_error": verdict.errors,
                        "sub_error_type": verdict.error_type,
                        "model_output_item": call,
                        "possible_answer_item": answer,
                    }
                }
            )
        if not verdict.valid:
            remaining = [i for i in range(len(output)) if i not in matched]
            return Verdict.fail(
                f"{kind}:cannot_find_match",
                f"Could not find a matching function among index "
                f"{remaining} of model output for index {index} of possible answers.",
                *sub_errors,
            )
    return OK


def check_output(category: str, docs: list[dict[str, Any]], output: Decoded, answers: list[dict[str, Any]]) -> Verdict:
    """BFCL's `ast_checker` dispatch on the category name."""
    if "parallel" in category:
        return _check_parallel(docs, output, answers, "parallel_function_checker_no_order")
    if "multiple" in category:
        if len(output) != len(answers):
            return Verdict.fail("multiple_function_checker:wrong_count", "Wrong number of functions.")
        return check_call(_find_doc(docs, next(iter(answers[0]))), output[0], answers[0])
    if len(output) != 1:
        return Verdict.fail("simple_function_checker:wrong_count", "Wrong number of functions.")
    return check_call(docs[0], output[0], answers[0])


def is_relevance_category(category: str) -> bool:
    return category in RELEVANCE_CATEGORIES


# --- scoring prediction files -----------------------------------------------------------------------------


@dataclass
class ScoreResult:
    id: str
    valid: bool
    error_type: str | None
    errors: list[Any]


@dataclass
class ScoreReport:
    category: str
    results: list[ScoreResult]
    missing: int  # entries of the category with no prediction

    @property
    def total(self) -> int:
        return len(self.results)

    @property
    def accuracy(self) -> float:
        return sum(r.valid for r in self.results) / self.total if self.total else 0.0

    def error_counts(self) -> Counter[str]:
        return Counter(r.error_type or "unknown" for r in self.results if not r.valid)

    def to_json(self) -> dict[str, Any]:
        return {
            "category": self.category,
            "accuracy": self.accuracy,
            "total": self.total,
            "missing": self.missing,
            "results": [
                {"id": r.id, "valid": r.valid, "error_type": r.error_type, "errors": r.errors} for r in self.results
            ],
        }


def category_files(bfcl_dir: str | Path, category: str) -> tuple[Path, Path | None]:
    bfcl_dir = Path(bfcl_dir)
    questions = bfcl_dir / f"BFCL_v4_{category}.json"
    if not questions.is_file():
        available = sorted(p.name[len("BFCL_v4_") : -len(".json")] for p in bfcl_dir.glob("BFCL_v4_*.json"))
        raise AgentftError(
            f"no BFCL file for category {category!r} (available: {', '.join(available) or 'none'})", file=questions
        )
    if category not in AST_CATEGORIES and not is_relevance_category(category):
        raise AgentftError(
            f"category {category!r} is not a Python AST category; supported: "
            f"{', '.join(AST_CATEGORIES + RELEVANCE_CATEGORIES)}"
        )
    if is_relevance_category(category):
        return questions, None
    answers = bfcl_dir / "possible_answer" / f"BFCL_v4_{category}.json"
    if not answers.is_file():
        raise AgentftError("possible-answer file not found", file=answers)
    return questions, answers


def _load_by_id(path: Path) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for index, entry in enumerate(iter_jsonl(path)):
        if not isinstance(entry, dict) or "id" not in entry:
            raise AgentftError("entry has no 'id'", file=path, path=f"$[{index}]")
        out[str(entry["id"])] = entry
    return out


def decode_prediction(pred: dict[str, Any]) -> Decoded:
    """A prediction line's calls in BFCL's decoded form; raises ToolCallParseError when the text has no call."""
    calls = [ToolCall.model_validate(c) for c in pred["calls"]] if "calls" in pred else parse_tool_calls(pred["text"])
    return [c.to_bfcl() for c in calls]


def score_entry(category: str, entry: dict[str, Any], answer: dict[str, Any] | None, pred: dict[str, Any]) -> Verdict:
    try:
        decoded = decode_prediction(pred)
    except ToolCallParseError as exc:
        if is_relevance_category(category):
            decoded = []
        else:
            return Verdict.fail("ast_decoder:decoder_failed", f"Invalid syntax. Failed to decode AST. {exc}")
    if category == "live_relevance":
        return OK if decoded else Verdict.fail("relevance_error:decoder_failed", "No function call decoded.")
    if is_relevance_category(category):
        return (
            Verdict.fail(
                "irrelevance_error:decoder_success", "Valid syntax. Successfully decode AST when it should not."
            )
            if decoded
            else OK
        )
    return check_output(category, entry["function"], decoded, answer["ground_truth"])


def score_predictions(bfcl_dir: str | Path, category: str, predictions: str | Path) -> ScoreReport:
    questions_path, answers_path = category_files(bfcl_dir, category)
    questions = _load_by_id(questions_path)
    answers = _load_by_id(answers_path) if answers_path else {}
    results: list[ScoreResult] = []
    seen: set[str] = set()
    for index, pred in enumerate(iter_jsonl(predictions)):
        where = f"$[{index}]"
        if not isinstance(pred, dict) or "id" not in pred:
            raise AgentftError("prediction has no 'id'", file=predictions, path=where)
        if ("calls" in pred) == ("text" in pred):
            raise AgentftError("prediction needs exactly one of 'calls' or 'text'", file=predictions, path=where)
        if "calls" in pred and not isinstance(pred["calls"], list):
            raise AgentftError("'calls' must be a list", file=predictions, path=f"{where}.calls")
        pid = str(pred["id"])
        if pid not in questions:
            raise AgentftError(f"id {pid!r} is not in {questions_path.name}", file=predictions, path=f"{where}.id")
        if pid in seen:
            raise AgentftError(f"duplicate prediction for id {pid!r}", file=predictions, path=f"{where}.id")
        seen.add(pid)
        if answers_path and pid not in answers:
            raise AgentftError(f"id {pid!r} has no possible answer", file=answers_path)
        try:
            verdict = score_entry(category, questions[pid], answers.get(pid), pred)
        except (ValueError, TypeError) as exc:  # a malformed 'calls' entry
            verdict = Verdict.fail("ast_decoder:decoder_wrong_output_format", f"Bad call object: {exc}")
        results.append(ScoreResult(pid, verdict.valid, verdict.error_type, verdict.errors))
    return ScoreReport(category, results, missing=len(questions) - len(seen))
