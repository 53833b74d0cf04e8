package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"google.golang.org/protobuf/proto"

	"github.com/pastelchain/pastel/client"
)

// One rendering path for every record a command prints:
//
//   - JSON (-o json) with hex ids, enum names, and 64-bit integers as
//     strings (amounts, heights, fingerprints: a JSON number is a float64 to
//     most readers and loses digits above 2^53);
//   - text (-o text, the default) as indented "key: value" lines for people.
//
// Chain state arrives as protobuf (protoView) or as JSON from a query
// (jsonView); both become the same plain tree of maps, lists and strings.

// protoView turns a protobuf message into that plain tree.
func protoView(m proto.Message) map[string]any { return client.ProtoView(m) }

// jsonView decodes a JSON answer keeping every number exactly (as a
// string in the output: see above).
func jsonView(bz []byte) (any, error) {
	d := json.NewDecoder(bytes.NewReader(bz))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		return nil, err
	}
	return numbersAsStrings(v), nil
}

func numbersAsStrings(v any) any {
	switch x := v.(type) {
	case map[string]any:
		for k, e := range x {
			x[k] = numbersAsStrings(e)
		}
	case []any:
		for i, e := range x {
			x[i] = numbersAsStrings(e)
		}
	case json.Number:
		return x.String()
	}
	return v
}

// printRecord prints v (a plain tree, a proto message, or any value that
// marshals to JSON) in the command's --output format.
func printRecord(cmd *cobra.Command, v any) error {
	if m, ok := v.(proto.Message); ok {
		v = protoView(m)
	}
	bz, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if v, err = jsonView(bz); err != nil {
		return err
	}
	if isJSON(cmd) {
		return printJSON(cmd, v)
	}
	writeText(cmd.OutOrStdout(), v, 0)
	return nil
}

// writeText prints a tree as indented "key: value" lines, keys sorted.
func writeText(w io.Writer, v any, depth int) {
	pad := strings.Repeat("  ", depth)
	switch x := v.(type) {
	case map[string]any:
		keys := make([]string, 0, len(x))
		for k := range x {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		width := 0
		for _, k := range keys {
			if isScalar(x[k]) {
				width = max(width, len(k))
			}
		}
		for _, k := range keys {
			if isScalar(x[k]) {
				fmt.Fprintf(w, "%s%-*s  %s\n", pad, width+1, k+":", amountText(k, scalarText(x[k])))
				continue
			}
			if isEmpty(x[k]) {
				fmt.Fprintf(w, "%s%s: (none)\n", pad, k)
				continue
			}
			fmt.Fprintf(w, "%s%s:\n", pad, k)
			writeText(w, x[k], depth+1)
		}
	case []any:
		for i, e := range x {
			if isScalar(e) {
				fmt.Fprintf(w, "%s- %s\n", pad, scalarText(e))
				continue
			}
			fmt.Fprintf(w, "%s- [%d]\n", pad, i)
			writeText(w, e, depth+1)
		}
	default:
		fmt.Fprintf(w, "%s%s\n", pad, scalarText(v))
	}
}

func isScalar(v any) bool {
	switch v.(type) {
	case map[string]any, []any:
		return false
	}
	return true
}

func isEmpty(v any) bool {
	switch x := v.(type) {
	case map[string]any:
		return len(x) == 0
	case []any:
		return len(x) == 0
	}
	return false
}

func scalarText(v any) string {
	switch x := v.(type) {
	case nil:
		return "-"
	case string:
		if x == "" {
			return `""`
		}
		return x
	default:
		return fmt.Sprint(x)
	}
}

// queryView runs an unproven query whose answer is JSON and returns it as a
// plain tree with exact numbers.
func queryView(cmd *cobra.Command, path string) (any, error) {
	c, ctx, cancel, err := dial(cmd)
	if err != nil {
		return nil, err
	}
	defer cancel()
	r, err := c.Query(ctx, path, 0, false)
	if err != nil {
		return nil, err
	}
	v, err := jsonView(r.Value)
	if err != nil {
		return nil, fmt.Errorf("%s: unexpected answer from the node: %w", path, err)
	}
	return v, nil
}

// amountKeys are the record fields that hold npsl; text shows them in psl.
var amountKeys = map[string]bool{"collateral": true, "balance": true, "locked": true, "amount": true, "fee": true, "price": true,
	"deposit_a": true, "deposit_b": true, "paid_a": true, "paid_b": true, "bounty": true, "storage_fee": true, "escrow": true}

// amountText is "1000psl (1000000000000 npsl)" for an amount field in
// npsl, and s unchanged otherwise.
func amountText(key, s string) string {
	if !amountKeys[key] && !strings.HasSuffix(key, "_fee") && !strings.HasSuffix(key, "_npsl") {
		return s
	}
	n, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return s
	}
	return formatAmount(n) + " (" + s + " npsl)"
}
