# Covers: eval/exec of strings (frames in <string> are not traced), compile with a real filename, exec into a namespace.
ns = {"base": 10}
exec("def helper(x):\n    return x + base\nresult = helper(5)", ns)
value = eval("base * 3 + len(ns)", {"base": 2, "ns": ns})
code = compile("y = [i for i in range(3)]", "<generated>", "exec")
scope = {}
exec(code, scope)
print(ns["result"], value, scope["y"])


def uses_eval(a):
    return eval("a + 1")


print(uses_eval(41))
