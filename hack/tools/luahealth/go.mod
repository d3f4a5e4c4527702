// The Argo CD health-check runner used by the tests (hack/tools/luahealth.sh builds it).
module github.com/librechat-operators/hack/tools/luahealth

go 1.24

require github.com/yuin/gopher-lua v1.1.2
