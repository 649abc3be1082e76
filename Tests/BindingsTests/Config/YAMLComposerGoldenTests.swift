@testable import Bindings
import Testing

/// The composer's trees and errors for a corpus of YAML texts, recorded from the Yams-based loader
/// it replaced (Yams 6.2 over its vendored libyaml 0.2.5): node kinds, scalar styles, resolved
/// tags, marks, error texts and lines. Texts where the two differ on purpose are left out: a byte
/// order mark (Yams counted it as a column and read `---`/`...` after it as text) and control
/// characters (Yams' message was its internal error dump).
@Suite struct YAMLComposerGoldenTests {
    /// One line per tree: `S(style,tag,line:column,"text")`, `Q(tag,mark)[…]`, `M(tag,mark){k=v;…}`;
    /// `NIL` for no document; `E|message|line` for an error.
    static func dump(_ text: String) -> String {
        do {
            guard let node = try YAMLComposer.compose(text) else { return "NIL" }
            return dump(node)
        } catch {
            return "E|\(error.message)|\(error.mark.map { String($0.line) } ?? "-")"
        }
    }

    static func dump(_ node: YAMLNode) -> String {
        switch node {
        case .scalar(let scalar):
            let style = switch scalar.style {
            case .plain: "plain"
            case .singleQuoted: "single"
            case .doubleQuoted: "double"
            case .literal: "literal"
            case .folded: "folded"
            }
            return "S(\(style),\(scalar.resolvedTag),\(scalar.mark.line):\(scalar.mark.column),\(scalar.string.debugDescription))"
        case .sequence(let sequence):
            return "Q(\(sequence.tag ?? "-"),\(sequence.mark.line):\(sequence.mark.column))["
                + sequence.items.map(dump).joined(separator: ",") + "]"
        case .mapping(let mapping):
            let pairs = mapping.pairs.map { dump($0.key) + "=" + dump($0.value) }
            return "M(\(mapping.tag ?? "-"),\(mapping.mark.line):\(mapping.mark.column)){" + pairs.joined(separator: ";") + "}"
        }
    }

    static let corpus: [(String, String)] = [
        ("",
         "NIL"),
        ("# only a comment\n",
         "NIL"),
        ("\n\n# c\n  # d\n",
         "NIL"),
        ("---\n",
         "S(plain,tag:yaml.org,2002:null,2:1,\"\")"),
        ("--- \n...\n",
         "S(plain,tag:yaml.org,2002:null,2:1,\"\")"),
        ("~",
         "S(plain,tag:yaml.org,2002:null,1:1,\"~\")"),
        ("null",
         "S(plain,tag:yaml.org,2002:null,1:1,\"null\")"),
        ("a: 1\n---\nb: 2\n",
         "E|not valid YAML: expected a single document in the stream but found another document|2"),
        ("a\n---\n",
         "E|not valid YAML: expected a single document in the stream but found another document|2"),
        ("--- a\n--- b\n",
         "E|not valid YAML: expected a single document in the stream but found another document|2"),
        ("a: 1\na: 2\n",
         "E|duplicate key a in one mapping; a key may appear once|1"),
        ("a: 1\n'a': 2\n",
         "E|duplicate key a in one mapping; a key may appear once|1"),
        ("1: x\n'1': y\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:int,1:1,\"1\")=S(plain,tag:yaml.org,2002:str,1:4,\"x\");S(single,tag:yaml.org,2002:str,2:1,\"1\")=S(plain,tag:yaml.org,2002:str,2:6,\"y\")}"),
        ("1: x\n1: y\n",
         "E|duplicate key 1 in one mapping; a key may appear once|1"),
        ("true: 1\n'true': 2\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:bool,1:1,\"true\")=S(plain,tag:yaml.org,2002:int,1:7,\"1\");S(single,tag:yaml.org,2002:str,2:1,\"true\")=S(plain,tag:yaml.org,2002:int,2:9,\"2\")}"),
        ("yes: 1\n\"yes\": 2\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:bool,1:1,\"yes\")=S(plain,tag:yaml.org,2002:int,1:6,\"1\");S(double,tag:yaml.org,2002:str,2:1,\"yes\")=S(plain,tag:yaml.org,2002:int,2:8,\"2\")}"),
        ("b: 1\na: 1\nb: 2\na: 3\n",
         "E|duplicate key a, b in one mapping; a key may appear once|2"),
        ("x:\n  a: 1\n  a: 2\ny: 1\ny: 2\n",
         "E|duplicate key a in one mapping; a key may appear once|2"),
        ("!!str 1: a\n1: b\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"1\")=S(plain,tag:yaml.org,2002:str,1:10,\"a\");S(plain,tag:yaml.org,2002:int,2:1,\"1\")=S(plain,tag:yaml.org,2002:str,2:4,\"b\")}"),
        ("!!int 1: a\n1: b\n",
         "E|duplicate key 1 in one mapping; a key may appear once|1"),
        ("~: a\nnull: b\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:null,1:1,\"~\")=S(plain,tag:yaml.org,2002:str,1:4,\"a\");S(plain,tag:yaml.org,2002:null,2:1,\"null\")=S(plain,tag:yaml.org,2002:str,2:7,\"b\")}"),
        ("~: a\n~: b\n",
         "E|duplicate key ~ in one mapping; a key may appear once|1"),
        ("'': a\n: b\n",
         "E|not valid YAML: while parsing a block mapping did not find expected key|2"),
        ("a: &x 1\nb: *x\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\")}"),
        ("a: &x {p: 1}\nb: *x\nc: [*x, *x]\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=M(-,1:4){S(plain,tag:yaml.org,2002:str,1:8,\"p\")=S(plain,tag:yaml.org,2002:int,1:11,\"1\")};S(plain,tag:yaml.org,2002:str,2:1,\"b\")=M(-,1:4){S(plain,tag:yaml.org,2002:str,1:8,\"p\")=S(plain,tag:yaml.org,2002:int,1:11,\"1\")};S(plain,tag:yaml.org,2002:str,3:1,\"c\")=Q(-,3:4)[M(-,1:4){S(plain,tag:yaml.org,2002:str,1:8,\"p\")=S(plain,tag:yaml.org,2002:int,1:11,\"1\")},M(-,1:4){S(plain,tag:yaml.org,2002:str,1:8,\"p\")=S(plain,tag:yaml.org,2002:int,1:11,\"1\")}]}"),
        ("a: *nope\n",
         "E|not valid YAML: found undefined alias|1"),
        ("a: &x [*x]\n",
         "E|not valid YAML: found undefined alias|1"),
        ("a: &x 1\na2: &x 2\nb: *x\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\");S(plain,tag:yaml.org,2002:str,2:1,\"a2\")=S(plain,tag:yaml.org,2002:int,2:5,\"2\");S(plain,tag:yaml.org,2002:str,3:1,\"b\")=S(plain,tag:yaml.org,2002:int,2:5,\"2\")}"),
        ("a: 'single'\nb: \"double\\n\"\nc: |\n  lit\n  eral\nd: >\n  fol\n  ded\ne: plain text\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(single,tag:yaml.org,2002:str,1:4,\"single\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(double,tag:yaml.org,2002:str,2:4,\"double\\n\");S(plain,tag:yaml.org,2002:str,3:1,\"c\")=S(literal,tag:yaml.org,2002:str,3:4,\"lit\\neral\\n\");S(plain,tag:yaml.org,2002:str,6:1,\"d\")=S(folded,tag:yaml.org,2002:str,6:4,\"fol ded\\n\");S(plain,tag:yaml.org,2002:str,9:1,\"e\")=S(plain,tag:yaml.org,2002:str,9:4,\"plain text\")}"),
        ("a:\n\tb: 1\n",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|2"),
        ("a: {b: 1\n",
         "E|not valid YAML: while parsing a flow mapping did not find expected ',' or '}'|2"),
        ("a: [1, 2\n",
         "E|not valid YAML: while parsing a flow sequence did not find expected ',' or ']'|2"),
        ("a: b: c\n",
         "E|not valid YAML: mapping values are not allowed in this context|1"),
        ("- a\nb: 1\n",
         "E|not valid YAML: while parsing a block collection did not find expected '-' indicator|2"),
        ("a:\n  - 1\n - 2\n",
         "E|not valid YAML: while parsing a block mapping did not find expected key|3"),
        ("key: \"unterminated\n",
         "E|not valid YAML: while scanning a quoted scalar found unexpected end of stream|2"),
        ("a: \"\\u00e9\"\nb: é\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(double,tag:yaml.org,2002:str,1:4,\"é\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:str,2:4,\"é\")}"),
        ("日本: 語\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"日本\")=S(plain,tag:yaml.org,2002:str,1:5,\"語\")}"),
        ("a: !custom x\nb: !!binary aGk=\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,!custom,1:4,\"x\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:binary,2:4,\"aGk=\")}"),
        ("%YAML 1.1\n---\na: 1\n",
         "M(-,3:1){S(plain,tag:yaml.org,2002:str,3:1,\"a\")=S(plain,tag:yaml.org,2002:int,3:4,\"1\")}"),
        ("%TAG ! tag:example.com,2000:\n---\na: !foo x\n",
         "M(-,3:1){S(plain,tag:yaml.org,2002:str,3:1,\"a\")=S(plain,tag:example.com,2000:foo,3:4,\"x\")}"),
        ("<<: {a: 1}\nb: 2\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:merge,1:1,\"<<\")=M(-,1:5){S(plain,tag:yaml.org,2002:str,1:6,\"a\")=S(plain,tag:yaml.org,2002:int,1:9,\"1\")};S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:int,2:4,\"2\")}"),
        ("=: 1\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:value,1:1,\"=\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\")}"),
        ("a: 0b101\nb: 0o17\nc: 017\nd: 0x1F\ne: 1:30\nf: 1_000\ng: +12\nh: -0\ni: 1.5\nj: .5\nk: -.inf\nl: .NaN\nm: 1e5\nn: 1.2e+3\no: 2001-12-14\np: 2001-12-14t21:59:43.10-05:00\nq: 2001-12-14 21:59:43.10 -5\nr: 190:20:30.15\ns: ._\nt: .inf\nu: +.inf\nv: 1.\nw: 12e\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"0b101\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:int,2:4,\"0o17\");S(plain,tag:yaml.org,2002:str,3:1,\"c\")=S(plain,tag:yaml.org,2002:int,3:4,\"017\");S(plain,tag:yaml.org,2002:str,4:1,\"d\")=S(plain,tag:yaml.org,2002:int,4:4,\"0x1F\");S(plain,tag:yaml.org,2002:str,5:1,\"e\")=S(plain,tag:yaml.org,2002:int,5:4,\"1:30\");S(plain,tag:yaml.org,2002:str,6:1,\"f\")=S(plain,tag:yaml.org,2002:int,6:4,\"1_000\");S(plain,tag:yaml.org,2002:str,7:1,\"g\")=S(plain,tag:yaml.org,2002:int,7:4,\"+12\");S(plain,tag:yaml.org,2002:str,8:1,\"h\")=S(plain,tag:yaml.org,2002:int,8:4,\"-0\");S(plain,tag:yaml.org,2002:str,9:1,\"i\")=S(plain,tag:yaml.org,2002:float,9:4,\"1.5\");S(plain,tag:yaml.org,2002:str,10:1,\"j\")=S(plain,tag:yaml.org,2002:float,10:4,\".5\");S(plain,tag:yaml.org,2002:str,11:1,\"k\")=S(plain,tag:yaml.org,2002:float,11:4,\"-.inf\");S(plain,tag:yaml.org,2002:str,12:1,\"l\")=S(plain,tag:yaml.org,2002:float,12:4,\".NaN\");S(plain,tag:yaml.org,2002:str,13:1,\"m\")=S(plain,tag:yaml.org,2002:float,13:4,\"1e5\");S(plain,tag:yaml.org,2002:str,14:1,\"n\")=S(plain,tag:yaml.org,2002:float,14:4,\"1.2e+3\");S(plain,tag:yaml.org,2002:str,15:1,\"o\")=S(plain,tag:yaml.org,2002:timestamp,15:4,\"2001-12-14\");S(plain,tag:yaml.org,2002:str,16:1,\"p\")=S(plain,tag:yaml.org,2002:timestamp,16:4,\"2001-12-14t21:59:43.10-05:00\");S(plain,tag:yaml.org,2002:str,17:1,\"q\")=S(plain,tag:yaml.org,2002:timestamp,17:4,\"2001-12-14 21:59:43.10 -5\");S(plain,tag:yaml.org,2002:str,18:1,\"r\")=S(plain,tag:yaml.org,2002:float,18:4,\"190:20:30.15\");S(plain,tag:yaml.org,2002:str,19:1,\"s\")=S(plain,tag:yaml.org,2002:float,19:4,\"._\");S(plain,tag:yaml.org,2002:str,20:1,\"t\")=S(plain,tag:yaml.org,2002:float,20:4,\".inf\");S(plain,tag:yaml.org,2002:str,21:1,\"u\")=S(plain,tag:yaml.org,2002:float,21:4,\"+.inf\");S(plain,tag:yaml.org,2002:str,22:1,\"v\")=S(plain,tag:yaml.org,2002:float,22:4,\"1.\");S(plain,tag:yaml.org,2002:str,23:1,\"w\")=S(plain,tag:yaml.org,2002:str,23:4,\"12e\")}"),
        ("a: 12e03\nb: 0_\nc: 08\nd: 0o\ne: 1:60\nf: 1:5:9\ng: 01:30\nh: -1:30\ni: 2001-1-1 1:00:00\nj: 2001-1-1\nk: 2001-12-14Z\nl: 2001-12-14t21:59:43Z\nm: 2001-12-14 \t 21:59:43 +05:30\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:float,1:4,\"12e03\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:int,2:4,\"0_\");S(plain,tag:yaml.org,2002:str,3:1,\"c\")=S(plain,tag:yaml.org,2002:float,3:4,\"08\");S(plain,tag:yaml.org,2002:str,4:1,\"d\")=S(plain,tag:yaml.org,2002:str,4:4,\"0o\");S(plain,tag:yaml.org,2002:str,5:1,\"e\")=S(plain,tag:yaml.org,2002:str,5:4,\"1:60\");S(plain,tag:yaml.org,2002:str,6:1,\"f\")=S(plain,tag:yaml.org,2002:int,6:4,\"1:5:9\");S(plain,tag:yaml.org,2002:str,7:1,\"g\")=S(plain,tag:yaml.org,2002:str,7:4,\"01:30\");S(plain,tag:yaml.org,2002:str,8:1,\"h\")=S(plain,tag:yaml.org,2002:int,8:4,\"-1:30\");S(plain,tag:yaml.org,2002:str,9:1,\"i\")=S(plain,tag:yaml.org,2002:timestamp,9:4,\"2001-1-1 1:00:00\");S(plain,tag:yaml.org,2002:str,10:1,\"j\")=S(plain,tag:yaml.org,2002:str,10:4,\"2001-1-1\");S(plain,tag:yaml.org,2002:str,11:1,\"k\")=S(plain,tag:yaml.org,2002:str,11:4,\"2001-12-14Z\");S(plain,tag:yaml.org,2002:str,12:1,\"l\")=S(plain,tag:yaml.org,2002:timestamp,12:4,\"2001-12-14t21:59:43Z\");S(plain,tag:yaml.org,2002:str,13:1,\"m\")=S(plain,tag:yaml.org,2002:timestamp,13:4,\"2001-12-14 \\t 21:59:43 +05:30\")}"),
        ("[a, b]: 1\n",
         "M(-,1:1){Q(-,1:1)[S(plain,tag:yaml.org,2002:str,1:2,\"a\"),S(plain,tag:yaml.org,2002:str,1:5,\"b\")]=S(plain,tag:yaml.org,2002:int,1:9,\"1\")}"),
        ("{a: 1}: 2\n",
         "M(-,1:1){M(-,1:1){S(plain,tag:yaml.org,2002:str,1:2,\"a\")=S(plain,tag:yaml.org,2002:int,1:5,\"1\")}=S(plain,tag:yaml.org,2002:int,1:9,\"2\")}"),
        ("- - - x\n",
         "Q(-,1:1)[Q(-,1:3)[Q(-,1:5)[S(plain,tag:yaml.org,2002:str,1:7,\"x\")]]]"),
        ("a:\n  - b:\n      c: [1, {d: e}]\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=Q(-,2:3)[M(-,2:5){S(plain,tag:yaml.org,2002:str,2:5,\"b\")=M(-,3:7){S(plain,tag:yaml.org,2002:str,3:7,\"c\")=Q(-,3:10)[S(plain,tag:yaml.org,2002:int,3:11,\"1\"),M(-,3:14){S(plain,tag:yaml.org,2002:str,3:15,\"d\")=S(plain,tag:yaml.org,2002:str,3:18,\"e\")}]}}]}"),
        ("a: 1 # comment\n# c\nb: 2\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\");S(plain,tag:yaml.org,2002:str,3:1,\"b\")=S(plain,tag:yaml.org,2002:int,3:4,\"2\")}"),
        ("a: |\n  x\n\n  y\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(literal,tag:yaml.org,2002:str,1:4,\"x\\n\\ny\\n\")}"),
        ("a: >-\n  x\n  y\n\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(folded,tag:yaml.org,2002:str,1:4,\"x y\")}"),
        ("a: '  it''s '\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(single,tag:yaml.org,2002:str,1:4,\"  it\\'s \")}"),
        ("  a: 1\n b: 2\n",
         "E|not valid YAML: did not find expected <document start>|2"),
        ("a: @x\n",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|1"),
        ("a: `x\n",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|1"),
        ("a: %x\n",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|1"),
        ("a: x\n  b: y\n",
         "E|not valid YAML: mapping values are not allowed in this context|2"),
        ("- a\n -b\n",
         "Q(-,1:1)[S(plain,tag:yaml.org,2002:str,1:3,\"a -b\")]"),
        ("a: [1,2,]\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=Q(-,1:4)[S(plain,tag:yaml.org,2002:int,1:5,\"1\"),S(plain,tag:yaml.org,2002:int,1:7,\"2\")]}"),
        ("{a: 1, a: 2}\n",
         "E|duplicate key a in one mapping; a key may appear once|1"),
        ("a: 1\r\nb: 2\r\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:int,2:4,\"2\")}"),
        ("a: 1\rb: 2\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\");S(plain,tag:yaml.org,2002:str,2:1,\"b\")=S(plain,tag:yaml.org,2002:int,2:4,\"2\")}"),
        ("a: \"\\x41\\t\"\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(double,tag:yaml.org,2002:str,1:4,\"A\\t\")}"),
        ("a: \"\\q\"\n",
         "E|not valid YAML: while parsing a quoted scalar found unknown escape character|1"),
        ("a:\n  b\n  c\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:str,2:3,\"b c\")}"),
        ("a: &anchor\n  x: 1\nb:\n  <<: *anchor\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=M(-,1:4){S(plain,tag:yaml.org,2002:str,2:3,\"x\")=S(plain,tag:yaml.org,2002:int,2:6,\"1\")};S(plain,tag:yaml.org,2002:str,3:1,\"b\")=M(-,4:3){S(plain,tag:yaml.org,2002:merge,4:3,\"<<\")=M(-,1:4){S(plain,tag:yaml.org,2002:str,2:3,\"x\")=S(plain,tag:yaml.org,2002:int,2:6,\"1\")}}}"),
        ("&a a: *a\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:str,1:1,\"a\")}"),
        ("? a\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:3,\"a\")=S(plain,tag:yaml.org,2002:null,2:1,\"\")}"),
        ("a:\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:null,1:3,\"\")}"),
        ("- \n- ~\n-\n",
         "Q(-,1:1)[S(plain,tag:yaml.org,2002:null,1:2,\"\"),S(plain,tag:yaml.org,2002:null,2:3,\"~\"),S(plain,tag:yaml.org,2002:null,3:2,\"\")]"),
        ("a: 'x\n  y'\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(single,tag:yaml.org,2002:str,1:4,\"x y\")}"),
        ("a: \"x\\\n  y\"\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(double,tag:yaml.org,2002:str,1:4,\"xy\")}"),
        ("top:\n  - name: a\n    value: 1\n  - name: b\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"top\")=Q(-,2:3)[M(-,2:5){S(plain,tag:yaml.org,2002:str,2:5,\"name\")=S(plain,tag:yaml.org,2002:str,2:11,\"a\");S(plain,tag:yaml.org,2002:str,3:5,\"value\")=S(plain,tag:yaml.org,2002:int,3:12,\"1\")},M(-,4:5){S(plain,tag:yaml.org,2002:str,4:5,\"name\")=S(plain,tag:yaml.org,2002:str,4:11,\"b\")}]}"),
        ("\t\n",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|1"),
        ("a: 1\n\t\n",
         "E|not valid YAML: while scanning a plain scalar found a tab character that violates indentation|2"),
        ("a:\t1\n",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"a\")=S(plain,tag:yaml.org,2002:int,1:4,\"1\")}"),
        ("é>",
         "S(plain,tag:yaml.org,2002:str,1:1,\"é>\")"),
        ("*x{nulléb*x|a",
         "E|not valid YAML: while scanning an alias did not find expected alphabetic or numeric character|1"),
        (">: }%null  bbb<<a*x",
         "E|not valid YAML: while scanning a block scalar did not find expected comment or line break|1"),
        ("{|b2001-12-14}>é=}#c}",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|1"),
        ("}---- b? =null[- true\t",
         "E|not valid YAML: while parsing a block node did not find expected node content|1"),
        ("1.5|1.5]\n- %é1.5!!str %1",
         "S(plain,tag:yaml.org,2002:str,1:1,\"1.5|1.5] - %é1.5!!str %1\")"),
        (",!!str ? [&x =&x ~",
         "E|not valid YAML: while parsing a block node did not find expected node content|1"),
        ("1.5null\"d\"2001-12-14!!str &x éb",
         "S(plain,tag:yaml.org,2002:str,1:1,\"1.5null\\\"d\\\"2001-12-14!!str &x éb\")"),
        ("1\n%%!!str \"d\"\"d\"1.5",
         "S(plain,tag:yaml.org,2002:str,1:1,\"1 %%!!str \\\"d\\\"\\\"d\\\"1.5\")"),
        ("a]<<=",
         "S(plain,tag:yaml.org,2002:str,1:1,\"a]<<=\")"),
        ("---: =a*x1.5",
         "M(-,1:1){S(plain,tag:yaml.org,2002:str,1:1,\"---\")=S(plain,tag:yaml.org,2002:str,1:6,\"=a*x1.5\")}"),
        ("#c? #ca<<<<\t---",
         "NIL"),
        ("b}[=%[~=:1",
         "S(plain,tag:yaml.org,2002:str,1:1,\"b}[=%[~=:1\")"),
        ("0x1~b>a: ,: true[#c- 0x1\"d\"",
         "E|not valid YAML: while parsing a block node did not find expected node content|1"),
        (":2001-12-14\"d\"",
         "S(plain,tag:yaml.org,2002:str,1:1,\":2001-12-14\\\"d\\\"\")"),
        (": - ---  é...trueb\n*x\t",
         "E|not valid YAML: while parsing a block mapping did not find expected key|1"),
        ("]:null:1.5{|",
         "E|not valid YAML: while parsing a block node did not find expected node content|1"),
        ("b}b!!str 'q'1\"d\">1.5|<<}2001-12-14>",
         "S(plain,tag:yaml.org,2002:str,1:1,\"b}b!!str \\'q\\'1\\\"d\\\">1.5|<<}2001-12-14>\")"),
        ("  |-1\nyes{-1\n0x10x1\n\n\"d\"",
         "E|not valid YAML: did not find expected <document start>|2"),
        ("énull*x- ",
         "S(plain,tag:yaml.org,2002:str,1:1,\"énull*x-\")"),
        ("éb  !!str - b\"d\"]  ",
         "S(plain,tag:yaml.org,2002:str,1:1,\"éb  !!str - b\\\"d\\\"]\")"),
        ("0x11~yes",
         "S(plain,tag:yaml.org,2002:str,1:1,\"0x11~yes\")"),
        ("\"d\"<<{",
         "E|not valid YAML: did not find expected <document start>|1"),
        ("\t1.5:&x \t",
         "E|not valid YAML: while scanning for the next token found character that cannot start any token|1"),
        ("true- ,éyes%",
         "S(plain,tag:yaml.org,2002:str,1:1,\"true- ,éyes%\")"),
        ("null  1? 0x1*x'q'yes\t",
         "S(plain,tag:yaml.org,2002:str,1:1,\"null  1? 0x1*x\\'q\\'yes\")"),
        ("%*x",
         "E|not valid YAML: while scanning a directive could not find expected directive name|1")
    ]

    @Test func everyTextComposesAsTheYamsLoaderDid() {
        var mismatches: [String] = []
        for (text, expected) in Self.corpus {
            let actual = Self.dump(text)
            if actual != expected { mismatches.append("\(text.debugDescription)\n  expected \(expected)\n  got      \(actual)") }
        }
        let shown = mismatches.prefix(5).joined(separator: "\n")
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(Self.corpus.count):\n\(shown)")
    }
}
