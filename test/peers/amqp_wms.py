"""The WMS side of the message-bus tests: an AMQP 0-9-1 client that is not
Pickline's (Debian python3-pika). One command per run, answers as JSON on
stdout:

  publish URL EXCHANGE ROUTING_KEY BODY [MESSAGE_ID]   publish (persistent, JSON content type)
  bind URL QUEUE EXCHANGE KEY                          declare a durable queue and bind it
  drain URL QUEUE COUNT TIMEOUT_S                      get and ack up to COUNT messages
  count URL QUEUE                                      messages ready in QUEUE
  delete-exchange URL EXCHANGE                         delete an exchange (fault tests)
"""
import json
import sys
import time

import pika


def conn(url):
    return pika.BlockingConnection(pika.URLParameters(url))


def main(argv):
    cmd, url = argv[1], argv[2]
    c = conn(url)
    ch = c.channel()
    if cmd == "publish":
        exchange, key, body = argv[3], argv[4], argv[5]
        props = pika.BasicProperties(content_type="application/json", delivery_mode=2,
                                     message_id=argv[6] if len(argv) > 6 else None)
        ch.confirm_delivery()
        ch.basic_publish(exchange, key, body.encode("utf-8"), props)
        out = {"ok": True}
    elif cmd == "bind":
        queue, exchange, key = argv[3], argv[4], argv[5]
        ch.queue_declare(queue, durable=True)
        ch.queue_bind(queue, exchange, key)
        out = {"ok": True}
    elif cmd == "drain":
        queue, count, timeout = argv[3], int(argv[4]), float(argv[5])
        got = []
        deadline = time.time() + timeout
        while len(got) < count and time.time() < deadline:
            method, props, body = ch.basic_get(queue, auto_ack=False)
            if method is None:
                time.sleep(0.05)
                continue
            got.append({
                "routingKey": method.routing_key,
                "exchange": method.exchange,
                "body": body.decode("utf-8", "replace"),
                "messageId": props.message_id,
                "contentType": props.content_type,
                "deliveryMode": props.delivery_mode,
                "headers": {k: (v.decode() if isinstance(v, bytes) else v)
                            for k, v in (props.headers or {}).items() if k.startswith("x-pickline")},
            })
            ch.basic_ack(method.delivery_tag)
        out = got
    elif cmd == "delete-exchange":
        ch.exchange_delete(argv[3])
        out = {"ok": True}
    elif cmd == "count":
        q = ch.queue_declare(argv[3], passive=True)
        out = {"messages": q.method.message_count}
    else:
        raise SystemExit("unknown command " + cmd)
    c.close()
    print(json.dumps(out))


if __name__ == "__main__":
    main(sys.argv)
