"""A user's boto3 script against the local cloud; the Go test runs it with each Python it tests and
reads the JSON it prints. Written for any boto3 from 1.26 on.

Usage: boto3_client.py <command> [args...] prints the command's one JSON value on stdout;
boto3_client.py session runs many in one process (one Python start, one client per service, as a
user's script makes them): each line on stdin is a JSON request, either ["command", args...] or
{"service": "sns", "operation": "Publish", "params": {...}} (any API call, its response returned
without ResponseMetadata), and each gets one line on stdout: {"ok": value} or {"error": message,
"code": the service's error code, if it answered with one}.

The endpoint comes from the environment (AWS_ENDPOINT_URL, read by botocore >= 1.31), or from
CHAOSLAB_CLIENT_ENDPOINT_URL for a boto3 too old to read it. Files are opened in binary mode, so
botocore sends Expect: 100-continue and, for an empty file, no Content-Type: what a user's
put_object(Body=open(path, "rb")) sends.
"""

import base64
import hashlib
import json
import os
import sys
import time

import boto3
import botocore
import botocore.exceptions


_clients = {}


def client(service):
    if service not in _clients:
        _clients[service] = boto3.client(service, endpoint_url=os.environ.get("CHAOSLAB_CLIENT_ENDPOINT_URL") or None)
    return _clients[service]


def api_call(service, operation, params):
    c = client(service)
    out = getattr(c, botocore.xform_name(operation))(**params)
    out.pop("ResponseMetadata", None)
    return out


def plain(v):
    """JSON for what a response holds besides JSON's own types."""
    if hasattr(v, "read"):  # a streaming body (lambda invoke's Payload)
        v = v.read()
    if isinstance(v, bytes):
        return v.decode("utf-8", "replace")
    if hasattr(v, "isoformat"):
        return v.isoformat()
    raise TypeError("cannot encode %r" % type(v))


def cmd_session():
    for line in sys.stdin:
        try:
            req = json.loads(line)
            if isinstance(req, dict):
                result = {"ok": api_call(req["service"], req["operation"], req.get("params") or {})}
            else:
                result = {"ok": command(req[0])(*req[1:])}
        except botocore.exceptions.ClientError as e:
            result = {"error": str(e), "code": e.response.get("Error", {}).get("Code", "")}
        except Exception as e:  # the test reports it; the session goes on
            result = {"error": "%s: %s" % (type(e).__name__, e)}
        try:
            out = json.dumps(result, default=plain)
        except Exception as e:
            out = json.dumps({"error": "the answer is not JSON: %s: %s" % (type(e).__name__, e)})
        sys.stdout.write(out + "\n")
        sys.stdout.flush()
    return None


def cmd_version():
    return {"boto3": boto3.__version__, "botocore": botocore.__version__, "python": sys.version.split()[0]}


def cmd_put(bucket, key, path):
    with open(path, "rb") as f:
        out = client("s3").put_object(Bucket=bucket, Key=key, Body=f)
    return {"ETag": out["ETag"], "RetryAttempts": out["ResponseMetadata"]["RetryAttempts"]}


def cmd_put_chunked(bucket, key, path):
    """put_object as botocore >= 1.36 sends it over TLS: Content-Encoding: aws-chunked with the
    CRC32 in a trailer. botocore only does that for https endpoints; make it take the TLS branch of
    its checksum placement, keeping its own encoder."""
    from botocore import httpchecksum

    real = httpchecksum.urlparse

    def as_if_tls(url):
        return real(url)._replace(scheme="https")

    httpchecksum.urlparse = as_if_tls
    sent = {}

    def capture(request, **kwargs):
        sent.update({k.lower(): v if isinstance(v, str) else v.decode() for k, v in request.headers.items()})

    s3 = client("s3")
    s3.meta.events.register("before-send.s3.PutObject", capture)
    try:
        with open(path, "rb") as f:
            s3.put_object(Bucket=bucket, Key=key, Body=f)
    finally:
        httpchecksum.urlparse = real
        s3.meta.events.unregister("before-send.s3.PutObject", capture)
    return {"sent": {k: sent.get(k, "") for k in ("content-encoding", "x-amz-trailer", "x-amz-decoded-content-length", "transfer-encoding")}}


def cmd_put_wrong_checksums(bucket, key):
    """put_object with a Content-MD5, then with an x-amz-checksum-sha256, each of other data: S3
    answers BadDigest. Returns each one's error code ("" when it was stored)."""
    s3 = client("s3")
    codes = {}
    other = base64.b64encode(hashlib.md5(b"other data").digest()).decode()
    other_sha = base64.b64encode(hashlib.sha256(b"other data").digest()).decode()
    for name, kwargs in (("md5", {"ContentMD5": other}), ("sha256", {"ChecksumSHA256": other_sha})):
        try:
            s3.put_object(Bucket=bucket, Key=key, Body=b"some data", **kwargs)
            codes[name] = ""
        except botocore.exceptions.ClientError as e:
            codes[name] = e.response["Error"]["Code"]
    return codes


def cmd_checksums(bucket, key, data):
    """S3 keeps an object's checksum and answers it to a read that asks: put_object with a SHA-256,
    then get_object and head_object with ChecksumMode ENABLED. Returns what each answered, the body,
    and the checksum botocore checked the body against as it read it ("" when it checked none: it
    wraps the body to check only when the answer carries a checksum it knows; a mismatch raises)."""
    s3 = client("s3")
    put = s3.put_object(Bucket=bucket, Key=key, Body=data.encode(), ChecksumAlgorithm="SHA256")
    get = s3.get_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    stream = get["Body"]
    checked = getattr(stream, "_expected", "") if type(stream).__name__ == "StreamingChecksumBody" else ""
    body = stream.read().decode()
    head = s3.head_object(Bucket=bucket, Key=key, ChecksumMode="ENABLED")
    return {"Put": put.get("ChecksumSHA256", ""), "Get": get.get("ChecksumSHA256", ""), "Head": head.get("ChecksumSHA256", ""),
            "Body": body, "Checked": checked}


def cmd_get(bucket, key):
    out = client("s3").get_object(Bucket=bucket, Key=key)
    return {"Body": out["Body"].read().decode("utf-8"), "ContentType": out.get("ContentType", "")}


def cmd_error_reasons(queue_url, want, timeout):
    """Receives from the error queue until `want` (comma-separated keys) all came or timeout
    seconds passed; deletes what it received; returns {SourceKey: ErrorReason}."""
    sqs = client("sqs")
    want = set(want.split(","))
    found = {}
    deadline = time.time() + float(timeout)
    while not want <= set(found) and time.time() < deadline:
        out = sqs.receive_message(QueueUrl=queue_url, MaxNumberOfMessages=10, WaitTimeSeconds=2,
                                  MessageAttributeNames=["All"])
        for m in out.get("Messages", []):
            attrs = m.get("MessageAttributes", {})
            key = attrs.get("SourceKey", {}).get("StringValue", "")
            found[key] = attrs.get("ErrorReason", {}).get("StringValue", "")
            sqs.delete_message(QueueUrl=queue_url, ReceiptHandle=m["ReceiptHandle"])
    return found


def cmd_sqs_roundtrip(queue_name):
    sqs = client("sqs")
    url = sqs.create_queue(QueueName=queue_name, Attributes={"VisibilityTimeout": "30"})["QueueUrl"]
    if sqs.get_queue_url(QueueName=queue_name)["QueueUrl"] != url:
        raise RuntimeError("GetQueueUrl disagrees with CreateQueue")
    body = 'hello from boto3 {"x": [1, 2]} & <xml>'
    sent = sqs.send_message(QueueUrl=url, MessageBody=body,
                            MessageAttributes={"client": {"DataType": "String", "StringValue": "boto3 " + boto3.__version__}})
    got = []
    deadline = time.time() + 10
    while not got and time.time() < deadline:
        got = sqs.receive_message(QueueUrl=url, WaitTimeSeconds=1, MaxNumberOfMessages=1,
                                  AttributeNames=["All"], MessageAttributeNames=["All"]).get("Messages", [])
    if not got:
        raise RuntimeError("nothing received")
    m = got[0]
    sqs.delete_message(QueueUrl=url, ReceiptHandle=m["ReceiptHandle"])
    left = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"])["Attributes"]
    sqs.delete_queue(QueueUrl=url)
    return {"QueueUrl": url, "SentId": sent["MessageId"], "Id": m["MessageId"], "Body": m["Body"],
            "Attribute": m.get("MessageAttributes", {}).get("client", {}).get("StringValue", ""),
            "ReceiveCount": m.get("Attributes", {}).get("ApproximateReceiveCount", ""), "Left": left}


def cmd_publish(topic_arn, message):
    out = client("sns").publish(TopicArn=topic_arn, Message=message, Subject="conformance",
                                MessageAttributes={"client": {"DataType": "String", "StringValue": "boto3"}})
    return {"MessageId": out["MessageId"]}


def cmd_publish_checks(topic_arn, message):
    """publish with MessageStructure json (its "sqs" entry is message), then one with a Number
    attribute that is not a number and one with a subject of two lines: SNS refuses both. Returns
    the first's MessageId and the refusals' error codes."""
    sns = client("sns")
    out = sns.publish(TopicArn=topic_arn, MessageStructure="json",
                      Message=json.dumps({"default": "not for queues", "sqs": message}))
    codes = {}
    for name, kwargs in (("number", {"MessageAttributes": {"price": {"DataType": "Number", "StringValue": "cheap"}}}),
                         ("subject", {"Subject": "two\nlines"})):
        try:
            sns.publish(TopicArn=topic_arn, Message="refused", **kwargs)
            codes[name] = ""
        except botocore.exceptions.ClientError as e:
            codes[name] = e.response["Error"]["Code"]
    return {"MessageId": out["MessageId"], "Codes": codes}


def cmd_scan(table):
    ddb = client("dynamodb")
    items, kwargs = [], {"TableName": table}
    while True:
        out = ddb.scan(**kwargs)
        items.extend(out.get("Items", []))
        if "LastEvaluatedKey" not in out:
            return items
        kwargs["ExclusiveStartKey"] = out["LastEvaluatedKey"]


def command(name):
    fn = globals().get("cmd_" + name.replace("-", "_"))
    if fn is None:
        raise RuntimeError("unknown command " + name)
    return fn


def main():
    name, args = sys.argv[1], sys.argv[2:]
    out = command(name)(*args)
    if name != "session":
        json.dump(out, sys.stdout, default=plain)
        sys.stdout.write("\n")


if __name__ == "__main__":
    main()
