package iam

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// subresource maps an S3 subresource (a query parameter) to the IAM action of a request method.
type subresource struct {
	query  string
	action string
}

var (
	s3BucketGet = []subresource{
		{"notification", "GetBucketNotification"}, {"policy", "GetBucketPolicy"}, {"policyStatus", "GetBucketPolicyStatus"},
		{"location", "GetBucketLocation"}, {"versioning", "GetBucketVersioning"}, {"tagging", "GetBucketTagging"},
		{"acl", "GetBucketAcl"}, {"cors", "GetBucketCORS"}, {"lifecycle", "GetLifecycleConfiguration"},
		{"encryption", "GetEncryptionConfiguration"}, {"versions", "ListBucketVersions"}, {"uploads", "ListBucketMultipartUploads"},
		{"object-lock", "GetBucketObjectLockConfiguration"}, {"ownershipControls", "GetBucketOwnershipControls"},
		{"publicAccessBlock", "GetBucketPublicAccessBlock"}, {"website", "GetBucketWebsite"}, {"logging", "GetBucketLogging"},
		{"replication", "GetReplicationConfiguration"}, {"accelerate", "GetAccelerateConfiguration"},
		{"requestPayment", "GetBucketRequestPayment"},
	}
	s3BucketPut = []subresource{
		{"notification", "PutBucketNotification"}, {"policy", "PutBucketPolicy"}, {"tagging", "PutBucketTagging"},
		{"versioning", "PutBucketVersioning"}, {"acl", "PutBucketAcl"}, {"cors", "PutBucketCORS"},
		{"lifecycle", "PutLifecycleConfiguration"}, {"encryption", "PutEncryptionConfiguration"},
		{"ownershipControls", "PutBucketOwnershipControls"}, {"publicAccessBlock", "PutBucketPublicAccessBlock"},
		{"website", "PutBucketWebsite"}, {"logging", "PutBucketLogging"}, {"object-lock", "PutBucketObjectLockConfiguration"},
		{"replication", "PutReplicationConfiguration"}, {"accelerate", "PutAccelerateConfiguration"},
		{"requestPayment", "PutBucketRequestPayment"},
	}
	// Deleting a bucket configuration is mostly authorized as putting it.
	s3BucketDelete = []subresource{
		{"policy", "DeleteBucketPolicy"}, {"tagging", "PutBucketTagging"}, {"cors", "PutBucketCORS"},
		{"lifecycle", "PutLifecycleConfiguration"}, {"encryption", "PutEncryptionConfiguration"},
		{"website", "DeleteBucketWebsite"}, {"ownershipControls", "PutBucketOwnershipControls"},
		{"publicAccessBlock", "PutBucketPublicAccessBlock"}, {"replication", "PutReplicationConfiguration"},
	}
	// Object subresources; a versionId makes some of them the ...Version action.
	s3ObjectGet = []subresource{
		{"acl", "GetObjectAcl"}, {"tagging", "GetObjectTagging"}, {"attributes", "GetObjectAttributes"},
		{"uploadId", "ListMultipartUploadParts"}, {"retention", "GetObjectRetention"}, {"legal-hold", "GetObjectLegalHold"},
		{"torrent", "GetObjectTorrent"},
	}
	s3ObjectPut = []subresource{
		{"acl", "PutObjectAcl"}, {"tagging", "PutObjectTagging"}, {"retention", "PutObjectRetention"},
		{"legal-hold", "PutObjectLegalHold"}, {"uploadId", "PutObject"}, // UploadPart
	}
	s3ObjectDelete = []subresource{{"uploadId", "AbortMultipartUpload"}, {"tagging", "DeleteObjectTagging"}}
	s3ObjectPost   = []subresource{{"uploads", "PutObject"}, {"uploadId", "PutObject"}, {"restore", "RestoreObject"}, {"select", "GetObject"}}

	// s3Versioned are the actions whose ...Version twin a versionId selects.
	s3Versioned = map[string]bool{"GetObject": true, "GetObjectAcl": true, "GetObjectTagging": true, "GetObjectAttributes": true,
		"PutObjectAcl": true, "PutObjectTagging": true, "DeleteObject": true, "DeleteObjectTagging": true}

	// s3Plain are query parameters of requests that have no subresource (listing, reading, presigning).
	s3Plain = map[string]bool{"list-type": true, "prefix": true, "delimiter": true, "max-keys": true, "marker": true,
		"continuation-token": true, "start-after": true, "encoding-type": true, "fetch-owner": true, "x-id": true,
		"versionId": true, "partNumber": true, "response-content-type": true, "response-content-language": true,
		"response-expires": true, "response-cache-control": true, "response-content-disposition": true,
		"response-content-encoding": true, "max-buckets": true, "bucket-region": true}
)

// pick returns the action of the first subresource present in q, "" when there is none, or an
// error naming a query parameter that is neither a known subresource nor a plain parameter.
func pick(q url.Values, table []subresource) (string, error) {
	for _, s := range table {
		if _, ok := q[s.query]; ok {
			return s.action, nil
		}
	}
	for k := range q {
		if !s3Plain[k] && !strings.HasPrefix(strings.ToLower(k), "x-amz-") {
			return "", unmapped("S3 subresource ?" + k)
		}
	}
	return "", nil
}

// S3: REST, path-style (/bucket/key), action from the method, the path and the subresource.
func (m *Mapper) s3(r *http.Request) (Operation, error) {
	q := r.URL.Query()
	path := strings.TrimPrefix(r.URL.Path, "/")
	bucket, key, _ := strings.Cut(path, "/")
	op := Operation{}
	ctx := map[string][]string{}
	for h, k := range map[string]string{"X-Amz-Acl": "s3:x-amz-acl", "X-Amz-Server-Side-Encryption": "s3:x-amz-server-side-encryption",
		"X-Amz-Storage-Class": "s3:x-amz-storage-class", "X-Amz-Copy-Source": "s3:x-amz-copy-source",
		"X-Amz-Metadata-Directive": "s3:x-amz-metadata-directive"} {
		if v := r.Header.Get(h); v != "" {
			ctx[k] = []string{v}
		}
	}
	add := func(action, resource string) {
		c := Check{Action: "s3:" + action, Resource: resource, Context: map[string][]string{}}
		for k, v := range ctx {
			c.Context[k] = v
		}
		op.Checks = append(op.Checks, c)
	}
	withVersion := func(action string) string {
		if q.Get("versionId") == "" || !s3Versioned[action] {
			return action
		}
		// GetObjectAcl → GetObjectVersionAcl, DeleteObject → DeleteObjectVersion.
		i := strings.Index(action, "Object") + len("Object")
		return action[:i] + "Version" + action[i:]
	}

	if bucket == "" {
		if r.Method == http.MethodGet {
			op.Name = "ListBuckets"
			add("ListAllMyBuckets", "*")
			return op, nil
		}
		op.Name = r.Method + " /"
		return op, unmapped(op.Name)
	}
	bucketArn := "arn:aws:s3:::" + bucket
	if key == "" {
		var table []subresource
		var plain string
		switch r.Method {
		case http.MethodGet:
			table, plain = s3BucketGet, "ListBucket"
		case http.MethodHead:
			table, plain = nil, "ListBucket"
		case http.MethodPut:
			table, plain = s3BucketPut, "CreateBucket"
		case http.MethodDelete:
			table, plain = s3BucketDelete, "DeleteBucket"
		case http.MethodPost:
			if _, ok := q["delete"]; ok {
				op.Name = "DeleteObjects"
				objects, err := s3DeleteObjects(r)
				if err != nil {
					return op, err
				}
				for _, o := range objects {
					action := "DeleteObject"
					if o.version != "" {
						action = "DeleteObjectVersion"
					}
					add(action, bucketArn+"/"+o.key)
				}
				return op, nil
			}
			op.Name = "POST /" + bucket
			return op, unmapped(op.Name)
		default:
			op.Name = r.Method + " /" + bucket
			return op, unmapped(op.Name)
		}
		action, err := pick(q, table)
		if err != nil {
			op.Name = r.Method + " /" + bucket
			return op, err
		}
		if action == "" {
			action = plain
		}
		op.Name = action
		if action == "ListBucket" || action == "ListBucketVersions" {
			for _, k := range []string{"prefix", "delimiter", "max-keys"} {
				if v, ok := q[k]; ok {
					ctx["s3:"+k] = v
				}
			}
		}
		add(action, bucketArn)
		return op, nil
	}

	objectArn := bucketArn + "/" + key
	var table []subresource
	var plain string
	switch r.Method {
	case http.MethodGet:
		table, plain = s3ObjectGet, "GetObject"
	case http.MethodHead:
		table, plain = nil, "GetObject"
	case http.MethodPut:
		table, plain = s3ObjectPut, "PutObject"
	case http.MethodDelete:
		table, plain = s3ObjectDelete, "DeleteObject"
	case http.MethodPost:
		table = s3ObjectPost
	default:
		op.Name = r.Method + " object"
		return op, unmapped(op.Name)
	}
	action, err := pick(q, table)
	if err != nil {
		op.Name = r.Method + " object"
		return op, err
	}
	if action == "" {
		action = plain
	}
	if action == "" {
		op.Name = r.Method + " object"
		return op, unmapped("POST to an object without a subresource")
	}
	op.Name = action
	add(withVersion(action), objectArn)
	if action == "PutObject" && r.Header.Get("X-Amz-Tagging") != "" {
		add("PutObjectTagging", objectArn)
	}
	if src := r.Header.Get("X-Amz-Copy-Source"); src != "" && action == "PutObject" {
		// CopyObject and UploadPartCopy also read the source.
		op.Name = "CopyObject"
		if _, ok := q["uploadId"]; ok {
			op.Name = "UploadPartCopy"
		}
		// As S3 reads it: the query (versionId) starts at the first raw '?', and the path before it is
		// then URL-decoded (a key's own '?' comes as %3F). Decoded first, /b/a%3Fsecret was checked
		// as b/a, and a Deny on b/*secret* missed the object copied.
		rawPath, srcQuery, _ := strings.Cut(strings.TrimPrefix(src, "/"), "?")
		srcPath, err := url.PathUnescape(rawPath)
		if err != nil {
			return op, fmt.Errorf("x-amz-copy-source %q: not a URL-encoded bucket/key: %w", src, err)
		}
		read := "GetObject"
		if srcQuery != "" {
			vq, err := url.ParseQuery(srcQuery)
			if err != nil || len(vq) != 1 || len(vq["versionId"]) != 1 {
				return op, fmt.Errorf("x-amz-copy-source %q: after '?' only versionId=<id> (a '?' in a key is %%3F)", src)
			}
			read = "GetObjectVersion"
		}
		add(read, "arn:aws:s3:::"+srcPath)
	}
	return op, nil
}

// s3DeleteObjects reads the objects of a multi-object delete (POST /bucket?delete): AWS authorizes
// s3:DeleteObject (s3:DeleteObjectVersion with a version) on each.
func s3DeleteObjects(r *http.Request) ([]struct{ key, version string }, error) {
	b, err := readBody(r)
	if err != nil {
		return nil, err
	}
	var del struct {
		Objects []struct {
			Key       string `xml:"Key"`
			VersionID string `xml:"VersionId"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal(b, &del); err != nil {
		return nil, fmt.Errorf("DeleteObjects body: %w", err)
	}
	if len(del.Objects) == 0 {
		return nil, missing("Object")
	}
	out := make([]struct{ key, version string }, len(del.Objects))
	for i, o := range del.Objects {
		out[i].key, out[i].version = o.Key, o.VersionID
	}
	return out, nil
}
