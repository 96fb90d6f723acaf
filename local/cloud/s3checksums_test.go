package cloud

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"hash/crc32"
	"io"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	s3types "github.com/aws/aws-sdk-go-v2/service/s3/types"
)

// testObjectChecksums: S3 keeps each object's checksum and answers it to a read that asks, and the
// Go SDK (the function's) checks the body against it. An object sent with the SDK's CRC32 keeps
// that one; one sent without any gets S3's CRC64NVME, here of "123456789", whose CRC-64/NVME is
// the catalogue's check value 0xae8b14860a799888 (not this repository's code). A read without
// x-amz-checksum-mode, or of a range, gets none; a copy keeps its source's; an object written again
// by a multipart upload (whose checksum is not kept) gets none, never its predecessor's.
func testObjectChecksums(ctx context.Context, t *testing.T, s3c *s3.Client, bucket string) {
	noChecksum := func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenRequired }
	withCRC32 := func(o *s3.Options) { o.RequestChecksumCalculation = aws.RequestChecksumCalculationWhenSupported } // the SDK's default
	put := func(key, body string, optFns ...func(*s3.Options)) *s3.PutObjectOutput {
		t.Helper()
		out, err := s3c.PutObject(ctx, &s3.PutObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), Body: strings.NewReader(body)}, optFns...)
		if err != nil {
			t.Fatalf("PutObject %s: %v", key, err)
		}
		return out
	}
	get := func(key string, mode bool, rng string) *s3.GetObjectOutput {
		t.Helper()
		in := &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)}
		if mode {
			in.ChecksumMode = s3types.ChecksumModeEnabled
		}
		if rng != "" {
			in.Range = aws.String(rng)
		}
		out, err := s3c.GetObject(ctx, in)
		if err != nil {
			t.Fatalf("GetObject %s: %v", key, err)
		}
		if _, err := io.ReadAll(out.Body); err != nil { // the SDK checks the data here
			t.Errorf("GetObject %s: reading the body: %v", key, err)
		}
		out.Body.Close()
		return out
	}
	head := func(key string) *s3.HeadObjectOutput {
		t.Helper()
		out, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: s3types.ChecksumModeEnabled})
		if err != nil {
			t.Fatalf("HeadObject %s: %v", key, err)
		}
		return out
	}

	body := "the data a checksum is of\n"
	var b [4]byte
	binary.BigEndian.PutUint32(b[:], crc32.ChecksumIEEE([]byte(body)))
	crc := base64.StdEncoding.EncodeToString(b[:])
	if out := put("scratch/sum-crc32", body, withCRC32); aws.ToString(out.ChecksumCRC32) != crc || out.ChecksumType != s3types.ChecksumTypeFullObject {
		t.Errorf("PutObject with the SDK's CRC32 answered %q (%s), want %q (FULL_OBJECT)", aws.ToString(out.ChecksumCRC32), out.ChecksumType, crc)
	}
	if out := get("scratch/sum-crc32", true, ""); aws.ToString(out.ChecksumCRC32) != crc || out.ChecksumType != s3types.ChecksumTypeFullObject {
		t.Errorf("GetObject with checksum mode: CRC32 %q (%s), want %q (FULL_OBJECT)", aws.ToString(out.ChecksumCRC32), out.ChecksumType, crc)
	}
	if out := get("scratch/sum-crc32", false, ""); out.ChecksumCRC32 != nil {
		t.Errorf("GetObject without checksum mode answered CRC32 %q, want none", aws.ToString(out.ChecksumCRC32))
	}
	if out := get("scratch/sum-crc32", true, "bytes=0-3"); out.ChecksumCRC32 != nil {
		t.Errorf("GetObject of a range answered CRC32 %q, want none (it is the whole object's)", aws.ToString(out.ChecksumCRC32))
	}
	if out, err := s3c.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/sum-crc32"),
		ChecksumMode: s3types.ChecksumModeEnabled, Range: aws.String("bytes=0-3")}); err != nil || out.ChecksumCRC32 != nil || aws.ToInt64(out.ContentLength) != 4 {
		t.Errorf("HeadObject of a range: %v, CRC32 %q, %d bytes; want none and 4 bytes", err, aws.ToString(out.ChecksumCRC32), aws.ToInt64(out.ContentLength))
	}

	const check = "rosUhgp5mIg=" // base64 of 0xae8b14860a799888, CRC-64/NVME of "123456789"
	if out := put("scratch/sum-default", "123456789", noChecksum); aws.ToString(out.ChecksumCRC64NVME) != check {
		t.Errorf("PutObject without a checksum answered CRC64NVME %q, want S3's own, %q", aws.ToString(out.ChecksumCRC64NVME), check)
	}
	if out := get("scratch/sum-default", true, ""); aws.ToString(out.ChecksumCRC64NVME) != check || out.ChecksumCRC32 != nil {
		t.Errorf("GetObject of an object sent without a checksum: CRC64NVME %q, CRC32 %q; want %q alone", aws.ToString(out.ChecksumCRC64NVME), aws.ToString(out.ChecksumCRC32), check)
	}
	// An empty object sent UNSIGNED-PAYLOAD (a presigned PUT's way): the proxy sends no body on, so
	// the gateway checks it itself; its CRC64NVME is that of nothing.
	unsigned := s3.WithAPIOptions(v4.SwapComputePayloadSHA256ForUnsignedPayloadMiddleware)
	if out := put("scratch/sum-empty", "", noChecksum, unsigned); aws.ToString(out.ChecksumCRC64NVME) != "AAAAAAAAAAA=" {
		t.Errorf("an empty PutObject, UNSIGNED-PAYLOAD: CRC64NVME %q, want AAAAAAAAAAA=", aws.ToString(out.ChecksumCRC64NVME))
	}
	if out := head("scratch/sum-empty"); aws.ToString(out.ChecksumCRC64NVME) != "AAAAAAAAAAA=" {
		t.Errorf("HeadObject of an empty object: CRC64NVME %q, want AAAAAAAAAAA=", aws.ToString(out.ChecksumCRC64NVME))
	}

	if out, err := s3c.CopyObject(ctx, &s3.CopyObjectInput{Bucket: aws.String(bucket), Key: aws.String("scratch/sum-copy"),
		CopySource: aws.String(bucket + "/scratch/sum-crc32")}); err != nil {
		t.Fatalf("CopyObject: %v", err)
	} else if r := out.CopyObjectResult; r == nil || aws.ToString(r.ChecksumCRC32) != crc || r.ChecksumType != s3types.ChecksumTypeFullObject || aws.ToString(r.ETag) == "" {
		t.Errorf("CopyObject's result %+v, want its ETag and the source's CRC32 %q (FULL_OBJECT)", r, crc)
	}
	if out := head("scratch/sum-copy"); aws.ToString(out.ChecksumCRC32) != crc {
		t.Errorf("HeadObject of a copy: CRC32 %q, want its source's %q", aws.ToString(out.ChecksumCRC32), crc)
	}

	// The same key written again by a multipart upload, as the Go SDK sends one by default (each
	// part's CRC32 in the completion's XML, the ETag's quotes as &#34;: the emulator read no part of
	// it) and without checksums: the object is the parts', and its checksum, the parts'
	// composite, is not kept here: none is answered, never the object before's.
	for i, opt := range []func(*s3.Options){withCRC32, noChecksum} {
		key := "scratch/sum-crc32"
		data := strings.Repeat("other data ", i+1)
		up, err := s3c.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key),
			ChecksumAlgorithm: s3types.ChecksumAlgorithmCrc32}, opt)
		if err != nil {
			t.Fatalf("CreateMultipartUpload: %v", err)
		}
		part, err := s3c.UploadPart(ctx, &s3.UploadPartInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			PartNumber: aws.Int32(1), Body: strings.NewReader(data)}, opt)
		if err != nil {
			t.Fatalf("UploadPart: %v", err)
		}
		if _, err := s3c.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId,
			MultipartUpload: &s3types.CompletedMultipartUpload{Parts: []s3types.CompletedPart{{ETag: part.ETag, PartNumber: aws.Int32(1), ChecksumCRC32: part.ChecksumCRC32}}}}, opt); err != nil {
			s3c.AbortMultipartUpload(ctx, &s3.AbortMultipartUploadInput{Bucket: aws.String(bucket), Key: aws.String(key), UploadId: up.UploadId})
			t.Fatalf("CompleteMultipartUpload (%d): %v", i, err)
		}
		out := get(key, true, "")
		if aws.ToInt64(out.ContentLength) != int64(len(data)) || out.ChecksumCRC32 != nil || out.ChecksumCRC64NVME != nil {
			t.Errorf("GetObject after a multipart upload over it (%d): %d bytes, CRC32 %q, CRC64NVME %q; want %d bytes and no checksum (not the object before's)",
				i, aws.ToInt64(out.ContentLength), aws.ToString(out.ChecksumCRC32), aws.ToString(out.ChecksumCRC64NVME), len(data))
		}
	}
}
