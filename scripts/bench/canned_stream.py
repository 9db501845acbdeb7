#!/usr/bin/env python3
"""Writes a canned Azure OpenAI chat-completions event stream (the bench's upstream for nginx).

The shapes follow the Azure wire format of the default content filter (azure-openai.md §5.2): a
prompt-filter event with empty choices, a role chunk, CHUNKS content chunks carrying per-category
content_filter_results, a finish chunk with finish_reason stop, then `data: [DONE]`. About 10 KB in
all with 20 chunks, so one stream takes ~5 s at nginx's `limit_rate 2k`.

Usage: canned_stream.py OUTPUT [CHUNKS]
"""
import json
import sys

CREATED = 1750697159
ID = "chatcmpl-BenchParleyCannedStream00001"
MODEL = "gpt-4o-2024-11-20"
FINGERPRINT = "fp_ee1d74bde0"
SAFE = {name: {"filtered": False, "severity": "safe"} for name in ("hate", "self_harm", "sexual", "violence")}
WORDS = ["To", "reset", "your", "password,", "open", "the", "sign-in", "page", "and", "choose",
         "Forgot", "password.", "Enter", "your", "email", "address", "and", "follow", "the", "link."]


def chunk(choice):
    return {"choices": [choice], "created": CREATED, "id": ID, "model": MODEL,
            "object": "chat.completion.chunk", "system_fingerprint": FINGERPRINT}


def events(count):
    yield {"choices": [], "created": 0, "id": "", "model": "", "object": "",
           "prompt_filter_results": [{"prompt_index": 0, "content_filter_results": SAFE}]}
    yield chunk({"content_filter_results": {}, "delta": {"content": "", "refusal": None, "role": "assistant"},
                 "finish_reason": None, "index": 0, "logprobs": None})
    for i in range(count):
        yield chunk({"content_filter_results": SAFE, "delta": {"content": WORDS[i % len(WORDS)] + " "},
                     "finish_reason": None, "index": 0, "logprobs": None})
    yield chunk({"content_filter_results": {}, "delta": {}, "finish_reason": "stop", "index": 0, "logprobs": None})


def main():
    out = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 20
    with open(out, "w", encoding="utf-8", newline="\n") as f:
        for event in events(count):
            f.write("data: " + json.dumps(event, separators=(",", ":")) + "\n\n")
        f.write("data: [DONE]\n\n")


if __name__ == "__main__":
    main()
