/// Martin Porter's suffix-stripping algorithm (1980), so that "minting", "minted" and
/// "mints" all meet "mint" in the index. Works on lower-case ASCII words; callers leave
/// other words alone.
struct PorterStemmer {
    private var b: [UInt8]
    /// Index of the last letter of the word as it currently stands.
    private var k: Int
    /// End of the stem when a suffix has matched (set by `ends`).
    private var j: Int

    /// The stem of `word` (lower-case ASCII letters); words of one or two letters stay as they are.
    static func stem(_ word: [UInt8]) -> [UInt8] {
        guard word.count > 2 else { return word }
        var stemmer = PorterStemmer(b: word, k: word.count - 1, j: 0)
        stemmer.step1ab()
        if stemmer.k > 0 {
            stemmer.step1c()
            stemmer.step2()
            stemmer.step3()
            stemmer.step4()
            stemmer.step5()
        }
        return Array(stemmer.b[0...stemmer.k])
    }

    private func isConsonant(_ i: Int) -> Bool {
        switch b[i] {
        case UInt8(ascii: "a"), UInt8(ascii: "e"), UInt8(ascii: "i"), UInt8(ascii: "o"), UInt8(ascii: "u"):
            return false
        case UInt8(ascii: "y"):
            return i == 0 ? true : !isConsonant(i - 1)
        default:
            return true
        }
    }

    /// The number of vowel-consonant sequences in the stem `b[0...j]`.
    private func measure() -> Int {
        var n = 0
        var i = 0
        while true {
            if i > j { return n }
            if !isConsonant(i) { break }
            i += 1
        }
        i += 1
        while true {
            while true {
                if i > j { return n }
                if isConsonant(i) { break }
                i += 1
            }
            i += 1
            n += 1
            while true {
                if i > j { return n }
                if !isConsonant(i) { break }
                i += 1
            }
            i += 1
        }
    }

    private func vowelInStem() -> Bool {
        guard j >= 0 else { return false }
        return (0...j).contains { !isConsonant($0) }
    }

    private func doubleConsonant(_ i: Int) -> Bool {
        i >= 1 && b[i] == b[i - 1] && isConsonant(i)
    }

    /// Consonant-vowel-consonant ending at `i`, the last consonant not w, x or y ("hop", not "snow").
    private func cvc(_ i: Int) -> Bool {
        guard i >= 2, isConsonant(i), !isConsonant(i - 1), isConsonant(i - 2) else { return false }
        let c = b[i]
        return c != UInt8(ascii: "w") && c != UInt8(ascii: "x") && c != UInt8(ascii: "y")
    }

    private mutating func ends(_ suffix: String) -> Bool {
        let s = Array(suffix.utf8)
        guard s.count <= k + 1 else { return false }
        let start = k - s.count + 1
        for (offset, byte) in s.enumerated() where b[start + offset] != byte { return false }
        j = k - s.count
        return true
    }

    private mutating func setTo(_ replacement: String) {
        let s = Array(replacement.utf8)
        // Half-open: when the stem is the whole word (j == k) this appends ("hop" + "e").
        b.replaceSubrange((j + 1)..<(k + 1), with: s)
        k = j + s.count
    }

    private mutating func replaceIfMeasured(_ replacement: String) {
        if measure() > 0 { setTo(replacement) }
    }

    /// Plurals and -ed/-ing: caresses → caress, ponies → poni, hopping → hop, filing → file.
    private mutating func step1ab() {
        if b[k] == UInt8(ascii: "s") {
            if ends("sses") {
                k -= 2
            } else if ends("ies") {
                setTo("i")
            } else if k >= 1, b[k - 1] != UInt8(ascii: "s") {
                k -= 1
            }
        }
        if ends("eed") {
            if measure() > 0 { k -= 1 }
        } else if (ends("ed") || ends("ing")) && vowelInStem() {
            k = j
            if ends("at") {
                setTo("ate")
            } else if ends("bl") {
                setTo("ble")
            } else if ends("iz") {
                setTo("ize")
            } else if doubleConsonant(k) {
                let c = b[k]
                if c != UInt8(ascii: "l") && c != UInt8(ascii: "s") && c != UInt8(ascii: "z") { k -= 1 }
            } else {
                j = k
                if measure() == 1 && cvc(k) { setTo("e") }
            }
        }
    }

    /// Terminal y → i when the stem has a vowel: happy → happi.
    private mutating func step1c() {
        if ends("y") && vowelInStem() { b[k] = UInt8(ascii: "i") }
    }

    /// Double suffixes to single ones: relational → relate, digitizer → digitize.
    private mutating func step2() {
        let rules: [(String, String)] = [
            ("ational", "ate"), ("tional", "tion"), ("enci", "ence"), ("anci", "ance"), ("izer", "ize"),
            ("bli", "ble"), ("alli", "al"), ("entli", "ent"), ("eli", "e"), ("ousli", "ous"),
            ("ization", "ize"), ("ation", "ate"), ("ator", "ate"), ("alism", "al"), ("iveness", "ive"),
            ("fulness", "ful"), ("ousness", "ous"), ("aliti", "al"), ("iviti", "ive"), ("biliti", "ble"),
            ("logi", "log"),
        ]
        applyFirstMatching(rules)
    }

    /// -ic-, -full, -ness and the like: triplicate → triplic, hopeful → hope.
    private mutating func step3() {
        let rules: [(String, String)] = [
            ("icate", "ic"), ("ative", ""), ("alize", "al"), ("iciti", "ic"), ("ical", "ic"),
            ("ful", ""), ("ness", ""),
        ]
        applyFirstMatching(rules)
    }

    private mutating func applyFirstMatching(_ rules: [(String, String)]) {
        guard k >= 1 else { return }
        for (suffix, replacement) in rules where ends(suffix) {
            replaceIfMeasured(replacement)
            return
        }
    }

    /// Drops -ant, -ence and the like when the stem stays long enough: adjustment → adjust.
    private mutating func step4() {
        guard k >= 1 else { return }
        let suffixes = [
            "al", "ance", "ence", "er", "ic", "able", "ible", "ant", "ement", "ment", "ent",
            "ion", "ou", "ism", "ate", "iti", "ous", "ive", "ize",
        ]
        var matched = false
        for suffix in suffixes where ends(suffix) {
            if suffix == "ion" {
                // -ion only after s or t: adoption → adopt, but not "lion".
                guard j >= 0, b[j] == UInt8(ascii: "s") || b[j] == UInt8(ascii: "t") else { continue }
            }
            matched = true
            break
        }
        if matched && measure() > 1 { k = j }
    }

    /// A final -e and a double l: probate → probat, controll → control.
    private mutating func step5() {
        j = k
        if b[k] == UInt8(ascii: "e") {
            let m = measure()
            if m > 1 || (m == 1 && !cvc(k - 1)) { k -= 1 }
        }
        // Measured with the stem end set above, as the reference implementation does.
        if b[k] == UInt8(ascii: "l") && doubleConsonant(k) && measure() > 1 { k -= 1 }
    }
}
