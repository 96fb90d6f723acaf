package gateway

import (
	"context"
	"net/http"
	"strings"

	"github.com/aws/smithy-go/middleware"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// The source of a service's delivery.
//
// When S3 sends an event notification to a queue, or SNS delivers to a subscribed queue, AWS
// authorizes the delivery against the queue's policy as the service principal (s3.amazonaws.com,
// sns.amazonaws.com) with the resource it acts for in the condition keys aws:SourceArn (the bucket,
// the topic) and aws:SourceAccount. The local cloud's deliveries are SDK calls through the
// gateway, so they say their source in two headers, which the gateway believes only from a service
// principal: its keys are made by the cloud for its own deliveries and never leave the process
// (a role's key is in a function's sandbox, the account's with the user). On every other request
// the headers are dropped unread. Either way they are removed before the request goes on.
const (
	HeaderSourceArn     = "X-Chaoslab-Source-Arn"
	HeaderSourceAccount = "X-Chaoslab-Source-Account"
)

// Source is what a service principal's delivery acts for: aws:SourceArn and aws:SourceAccount.
type Source struct {
	Arn, Account string
}

type sourceKey struct{}

// SourceFrom returns the source a service principal's request named (HeaderSourceArn,
// HeaderSourceAccount); ok is false when it named none or was not a service principal's.
func SourceFrom(ctx context.Context) (Source, bool) {
	s, ok := ctx.Value(sourceKey{}).(Source)
	return s, ok
}

// IsServicePrincipal reports whether principal is a service principal (s3.amazonaws.com), not an
// ARN.
func IsServicePrincipal(principal string) bool {
	return principal != "" && !strings.HasPrefix(principal, "arn:")
}

// takeSource removes the source headers from r and, for a service principal, returns r with the
// source in its context.
func takeSource(r *http.Request, principal string) *http.Request {
	arn, account := r.Header.Get(HeaderSourceArn), r.Header.Get(HeaderSourceAccount)
	if arn == "" && account == "" {
		return r
	}
	r.Header.Del(HeaderSourceArn)
	r.Header.Del(HeaderSourceAccount)
	if !IsServicePrincipal(principal) {
		return r
	}
	return r.WithContext(context.WithValue(r.Context(), sourceKey{}, Source{Arn: arn, Account: account}))
}

// WithSource is an SDK API option (append it to a client's Options.APIOptions, for one call or
// all) that sends src in the source headers.
func WithSource(src Source) func(*middleware.Stack) error {
	return func(st *middleware.Stack) error {
		return st.Build.Add(middleware.BuildMiddlewareFunc("ChaoslabSource",
			func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
				if req, ok := in.Request.(*smithyhttp.Request); ok {
					if src.Arn != "" {
						req.Header.Set(HeaderSourceArn, src.Arn)
					}
					if src.Account != "" {
						req.Header.Set(HeaderSourceAccount, src.Account)
					}
				}
				return next.HandleBuild(ctx, in)
			}), middleware.After)
	}
}
