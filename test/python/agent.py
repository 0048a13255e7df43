"""A Python agent written the way the original AgentSched demo's agent side is.

It creates the topics with confluent-kafka's AdminClient, produces each request as the JSON of the
original `Message` with a `correlation_id` header to `<priority>_priority`, and consumes `results`,
matching answers to pending requests by correlation id. Nothing in it knows about AgentSched's
TypeScript code: it only speaks the wire contract.

    BOOTSTRAP_SERVERS=127.0.0.1:9092 python3 test/python/agent.py --requests 20

Topic names default to the original's; the test suite overrides them (TOPIC_PREFIX) so runs never
share topics. Prints a JSON summary on its last line; exits 0 when every request was answered.
"""

import argparse
import json
import os
import random
import sys
import time
from uuid import uuid4

from confluent_kafka import Consumer, KafkaException, Producer
from confluent_kafka.admin import AdminClient, NewTopic

BOOTSTRAP_SERVERS = os.environ.get("BOOTSTRAP_SERVERS", "localhost:9092")
PREFIX = os.environ.get("TOPIC_PREFIX", "")
INPUT_TOPICS = {p: f"{PREFIX}{p}_priority" for p in ("high", "medium", "low")}
OUTPUT_TOPIC = f"{PREFIX}results"
TASK_TYPES = ["text_generation", "image_analysis", "data_processing"]
PRIORITIES = ["high", "medium", "low"]
PROMPTS = [
    "Summarize the main points of climate change.",
    "Explain the concept of artificial intelligence.",
    "Describe the process of photosynthesis.",
    "What are the key features of a democratic government?",
    "How does the internet work?",
]


def create_topics(topics):
    admin = AdminClient({"bootstrap.servers": BOOTSTRAP_SERVERS})
    futures = admin.create_topics([NewTopic(t, num_partitions=1, replication_factor=1) for t in topics])
    for topic, future in futures.items():
        try:
            future.result()
        except KafkaException as e:
            if "already exists" not in str(e).lower() and "TOPIC_ALREADY_EXISTS" not in str(e):
                raise


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=10)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()

    create_topics(list(INPUT_TOPICS.values()) + [OUTPUT_TOPIC])
    consumer = Consumer({
        "bootstrap.servers": BOOTSTRAP_SERVERS,
        "group.id": f"python-agent-{uuid4()}",
        "auto.offset.reset": "earliest",
    })
    consumer.subscribe([OUTPUT_TOPIC])
    producer = Producer({"bootstrap.servers": BOOTSTRAP_SERVERS})

    pending = {}
    for _ in range(args.requests):
        correlation_id = str(uuid4())
        message = {
            "id": f"task_{random.randint(1000, 9999)}",
            "task_type": random.choice(TASK_TYPES),
            "priority": random.choice(PRIORITIES),
            "content": random.choice(PROMPTS),
            "token_count": random.randint(10, 200),
            "correlation_id": correlation_id,
            "model_id": None,
            "status": None,
        }
        producer.produce(
            INPUT_TOPICS[message["priority"]],
            value=json.dumps(message).encode("utf-8"),
            headers={"correlation_id": correlation_id},
        )
        pending[correlation_id] = message
    producer.flush(10)

    answers = {}
    duplicates = 0
    deadline = time.time() + args.timeout
    while pending.keys() - answers.keys() and time.time() < deadline:
        msg = consumer.poll(0.5)
        if msg is None or msg.error():
            continue
        result = json.loads(msg.value())
        header = dict(msg.headers() or []).get("correlation_id", b"").decode()
        cid = result.get("correlation_id")
        if header != cid:
            print(f"header {header} != body {cid}", file=sys.stderr)
            continue
        if cid in answers:
            duplicates += 1
        elif cid in pending:
            answers[cid] = result
            print(f"[agent] {result['status']} {result['id']} {result['priority']} -> {result.get('model_id')}: {result['content'][:60]}")
    consumer.close()

    missing = [cid for cid in pending if cid not in answers]
    fields_ok = all(
        answers[c]["id"] == pending[c]["id"]
        and answers[c]["task_type"] == pending[c]["task_type"]
        and answers[c]["priority"] == pending[c]["priority"]
        for c in answers
    )
    summary = {
        "sent": len(pending),
        "answered": len(answers),
        "completed": sum(1 for a in answers.values() if a["status"] == "completed"),
        "missing": len(missing),
        "duplicates": duplicates,
        "fields_match": fields_ok,
    }
    print(json.dumps(summary))
    sys.exit(0 if not missing and fields_ok else 1)


if __name__ == "__main__":
    main()
