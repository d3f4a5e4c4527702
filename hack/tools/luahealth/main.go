// Command luahealth runs Argo CD resource health checks (health.lua) the way Argo CD does, so that
// our checks are tested by the same Lua interpreter Argo CD embeds (gopher-lua, the version pinned in
// go.mod is the one Argo CD v3.6 uses). It mirrors argo-cd util/lua/lua.go for scripts installed
// through argocd-cm (resource.customizations.health.<group>_<Kind>): only the base, table and package
// libraries are open (no string, os or io), the object is the global `obj`, the script gets one
// second, and the returned table must carry a valid health status.
//
// Input (stdin): a JSON array of {"script": "<lua source>", "obj": {<Kubernetes object>}}.
// Output (stdout): a JSON array, one entry per input, {"status", "message"} or {"error"}.
// Exit code 0 unless the input itself cannot be read.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"time"

	lua "github.com/yuin/gopher-lua"
)

type testCase struct {
	Script string          `json:"script"`
	Obj    json.RawMessage `json:"obj"`
}

type result struct {
	Status  string `json:"status,omitempty"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

// Health status codes Argo CD accepts from a script (gitops-engine pkg/health).
var validStatus = map[string]bool{
	"Healthy": true, "Progressing": true, "Degraded": true,
	"Suspended": true, "Missing": true, "Unknown": true,
}

func main() {
	in, err := io.ReadAll(os.Stdin)
	if err != nil {
		fmt.Fprintln(os.Stderr, "luahealth: reading stdin:", err)
		os.Exit(2)
	}
	var cases []testCase
	if err := json.Unmarshal(in, &cases); err != nil {
		fmt.Fprintln(os.Stderr, "luahealth: input is not a JSON array of {script, obj}:", err)
		os.Exit(2)
	}
	out := make([]result, 0, len(cases))
	for _, c := range cases {
		out = append(out, run(c))
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetIndent("", "  ")
	if err := enc.Encode(out); err != nil {
		fmt.Fprintln(os.Stderr, "luahealth: writing output:", err)
		os.Exit(2)
	}
}

func run(c testCase) result {
	dec := json.NewDecoder(bytes.NewReader(c.Obj))
	dec.UseNumber()
	var obj map[string]any
	if err := dec.Decode(&obj); err != nil {
		return result{Error: "obj is not a JSON object: " + err.Error()}
	}
	l := lua.NewState(lua.Options{SkipOpenLibs: true})
	defer l.Close()
	for _, lib := range []struct {
		name string
		open lua.LGFunction
	}{
		{lua.LoadLibName, lua.OpenPackage},
		{lua.BaseLibName, lua.OpenBase},
		{lua.TabLibName, lua.OpenTable},
	} {
		if err := l.CallByParam(lua.P{Fn: l.NewFunction(lib.open), NRet: 0, Protect: true}, lua.LString(lib.name)); err != nil {
			return result{Error: "opening " + lib.name + ": " + err.Error()}
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	l.SetContext(ctx)
	l.SetGlobal("obj", decodeValue(l, obj))
	if err := l.DoString(c.Script); err != nil {
		return result{Error: err.Error()}
	}
	ret := l.Get(-1)
	tbl, ok := ret.(*lua.LTable)
	if !ok {
		return result{Error: "expect table output from Lua script, not " + ret.Type().String()}
	}
	status, err := stringField(tbl, "status")
	if err != nil {
		return result{Error: err.Error()}
	}
	message, err := stringField(tbl, "message")
	if err != nil {
		return result{Error: err.Error()}
	}
	if !validStatus[status] {
		// What Argo CD shows for a status it does not know.
		return result{Status: "Unknown", Message: "Lua returned an invalid health status"}
	}
	return result{Status: status, Message: message}
}

// stringField reads an optional string field; Argo CD unmarshals the table into a struct of
// strings, so a number or table there is an error.
func stringField(t *lua.LTable, key string) (string, error) {
	switch v := t.RawGetString(key).(type) {
	case *lua.LNilType:
		return "", nil
	case lua.LString:
		return string(v), nil
	default:
		return "", fmt.Errorf("field %q of the returned table is a %s, not a string", key, v.Type().String())
	}
}

// decodeValue turns decoded JSON into Lua values as argo-cd's decodeValue does for unstructured
// objects (numbers become Lua numbers, arrays 1-based tables, null nil).
func decodeValue(l *lua.LState, value any) lua.LValue {
	switch v := value.(type) {
	case bool:
		return lua.LBool(v)
	case string:
		return lua.LString(v)
	case json.Number:
		if i, err := v.Int64(); err == nil {
			return lua.LNumber(i)
		}
		f, err := v.Float64()
		if err != nil {
			return lua.LNil
		}
		return lua.LNumber(f)
	case []any:
		arr := l.CreateTable(len(v), 0)
		for _, item := range v {
			arr.Append(decodeValue(l, item))
		}
		return arr
	case map[string]any:
		tbl := l.CreateTable(0, len(v))
		for key, item := range v {
			tbl.RawSetH(lua.LString(key), decodeValue(l, item))
		}
		return tbl
	}
	return lua.LNil
}
