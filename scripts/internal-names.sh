#!/bin/bash
# scripts/internal-names.sh -- keeps the library's internal names in their
# own namespace (docs/LIBRARY.md, "Names").
#
# libhive.a's global symbols are either the public API (hive_*) or internal
# (hv_*). An internal function without the prefix could clash, in a program
# that links libhive.a statically, with the embedder's names or another
# library's (wasm-c-api's wasm_*, wasmtime's wasi_*). libhive.so hides its
# internals anyway (-fvisibility=hidden, mk/harden.mk).
#
#   scripts/internal-names.sh --check BUILD
#       lists the global symbols BUILD/libhive.a defines (nm -g
#       --defined-only) that are neither hv_* nor hive_* names of the public
#       API (a hive_ name include/hive/*.h does not mention is internal);
#       exits 1 if there is any (`make harden` runs it).
#   scripts/internal-names.sh --apply BUILD
#       renames each of them to hv_<name> (an internal hive_<name> to
#       hv_<name>) in the C files (.c, .h) of src/,
#       include/, tests/, fuzz/, bench/ and examples/, and in docs/*.md: a
#       whole-word substitution in code and comments, never inside string
#       or character literals (those are listed, unchanged). A name built
#       by token pasting (`wasi_##name`) is renamed by prefixing the pasted
#       stem (`hv_wasi_##name`). A .c file that defines a static function
#       or variable of the same name (a separate program, e.g. a benchmark
#       guest) keeps the name: there it means its own. It refuses, changing nothing, when a
#       rename could produce broken or different code: the new name already
#       exists; the name is in a public header (include/); the name is also
#       a struct member, local, parameter, macro, type or enumerator (found
#       with ctags, and by `.name`/`->name`), or a static in a header; or the name is nowhere in the
#       sources and no pasting stem can produce it. BUILD/libhive.a must be
#       built from the current tree; rebuild and --check afterwards:
#           make && scripts/internal-names.sh --apply build && make && \
#               scripts/internal-names.sh --check build
# Exit status: 0 done / nothing to do, 1 unprefixed names (--check) or a
# refused rename (--apply), 2 usage or missing build.
set -euo pipefail
PREFIX=hv_
usage() { echo "usage: $0 --check|--apply BUILD" >&2; exit 2; }
[ $# -eq 2 ] || usage
mode=$1
lib=$2/libhive.a
case $mode in --check | --apply) ;; *) usage ;; esac
[ -f "$lib" ] || { echo "internal-names: no $lib (make first)" >&2; exit 2; }
lib=$(cd "$(dirname "$lib")" && pwd)/libhive.a
cd "$(dirname "$0")/.."

globals=$(nm -g --defined-only "$lib" | awk 'NF == 3 && $2 ~ /[A-Z]/ { print $3 }' | sort -u)
total=$(printf '%s\n' "$globals" | grep -c .)
# hive_ is the public API: a hive_ name no public header mentions is
# internal, and takes hv_ in place of hive_.
public=$(grep -ohE '\bhive_[A-Za-z0-9_]+' include/hive/*.h | sort -u)
internal_hive=$(comm -23 <(printf '%s\n' "$globals" | grep '^hive_' || true) <(printf '%s\n' "$public"))
names=$( { printf '%s\n' "$globals" | grep -v -e '^hive_' -e "^$PREFIX" || true; printf '%s\n' "$internal_hive"; } | grep . | sort -u || true)
count=$(printf '%s' "$names" | grep -c . || true)

if [ "$mode" = --check ]; then
    if [ "$count" -gt 0 ]; then
        echo "internal-names: $lib defines $count global symbols outside $PREFIX that are not the public hive_ API" \
            "(run scripts/internal-names.sh --apply, see docs/LIBRARY.md):" $names >&2
        exit 1
    fi
    echo "internal-names: every one of the $total global symbols of $lib is either hive_* and in include/hive/, or $PREFIX*"
    exit 0
fi

if [ "$count" -eq 0 ]; then
    echo "internal-names: nothing to rename: every global symbol of $lib is hive_* or $PREFIX*"
    exit 0
fi
command -v ctags >/dev/null || { echo "internal-names: needs ctags (universal-ctags)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf '%s\n' $names > "$tmp/oldnames"
printf '%s\n' $names | sed "s/^hive_//; s/^/$PREFIX/" | paste -d' ' "$tmp/oldnames" - > "$tmp/names"
git ls-files -- src include tests fuzz bench examples | grep -E '\.[ch]$' > "$tmp/cfiles"
git ls-files -- 'docs/*.md' > "$tmp/docs"
# Every C tag that is not a function or a global variable: a name the
# rename would also change, and must not.
xargs ctags -x --language-force=C --kinds-C=+lmzx -f - < "$tmp/cfiles" 2>/dev/null |
    awk '$2 != "function" && $2 != "prototype" && $2 != "variable" && $2 != "externvar" { print $1, $2, $4 ":" $3; next }
         ($2 == "function" || $2 == "variable") && $5 == "static" { print $1, "static", $4 ":" $3 }' \
    > "$tmp/othertags"

NAMES=$tmp/names PREFIX=$PREFIX OTHERTAGS=$tmp/othertags CFILES=$tmp/cfiles DOCS=$tmp/docs perl -e '
use strict; use warnings;
my $P = $ENV{PREFIX};
sub slurp { my ($f) = @_; open(my $h, "<", $f) or die "$f: $!"; local $/; my $t = <$h>; close $h; return $t; }
sub lines { my ($f) = @_; return grep { length } split /\n/, slurp($f); }
my %ren = map { split / / } lines($ENV{NAMES});
my @names = sort keys %ren;
my @cfiles = lines($ENV{CFILES});
my @docs = lines($ENV{DOCS});
my (%text, @problems, %strings, %seen, %pasted);
$text{$_} = slurp($_) for @cfiles, @docs;

# C source split into tokens: literals, comments, words, the rest.
my $tok = qr{("(?:[^"\\\n]|\\.)*"|\x27(?:[^\x27\\\n]|\\.)*\x27)|(/\*.*?\*/|//[^\n]*)|([A-Za-z_][A-Za-z0-9_]*)|(.)}s;

# Paste stems (`stem##`) in code, and every word of code and comments.
my %stems; my %words;
for my $f (@cfiles) {
    my $t = $text{$f}; my $code = "";
    while ($t =~ /$tok/g) {
        my ($lit, $com, $w, $other) = ($1, $2, $3, $4);
        if (defined $lit) {
            for my $x ($lit =~ /\b([A-Za-z_][A-Za-z0-9_]*)\b/g) { $strings{"$f: $x"} = 1 if $ren{$x}; }
            $code .= "\"\"";
        } elsif (defined $com) {
            $words{$_} = 1 for $com =~ /\b([A-Za-z_][A-Za-z0-9_]*)\b/g;
            $code .= " ";
        } elsif (defined $w) {
            $words{$w} = 1;
            my $rest = substr($t, pos($t), 64);
            $stems{$w} = 1 if $rest =~ /^\s*##/;
            $code .= $w;
        } else { $code .= $other; }
    }
    while ($code =~ /(?:\.|->)\s*([A-Za-z_][A-Za-z0-9_]*)\b/g) {
        push @problems, "$1 is also a struct member ($f: .$1 or ->$1)" if $ren{$1};
    }
}
for my $d (@docs) { $words{$_} = 1 for $text{$d} =~ /\b([A-Za-z_][A-Za-z0-9_]*)\b/g; }

# Checks: anything that would make the rename change more than the symbol.
for my $n (@names) {
    push @problems, "$ren{$n} already exists (renaming $n would collide with it)" if $words{$ren{$n}};
    for my $f (grep { m{^include/} } @cfiles) {
        push @problems, "$n is in the public header $f" if $text{$f} =~ /\b\Q$n\E\b/;
    }
    # Possibly made by pasting: the longest stem that is a prefix of the
    # name is renamed where it is pasted (a pasted name that is not a
    # global of the list then fails the rebuild, loudly).
    my ($stem) = sort { length($b) <=> length($a) } grep { $_ =~ /_$/ && index($n, $_) == 0 && $_ !~ /^\Q$P\E/ && $_ !~ /^hive_/ } keys %stems;
    if (defined $stem) { $pasted{$stem} = 1; }
    elsif (!$words{$n}) { push @problems, "$n is nowhere in the sources and no `stem##` pasting makes it"; }
}
# A file with a static function or variable of the same name (a program
# of its own, such as a benchmark guest) means its own: not renamed there.
my %keep;
for my $l (lines($ENV{OTHERTAGS})) {
    my ($name, $kind, $where) = split / /, $l, 3;
    next unless $ren{$name};
    my ($file) = $where =~ /^(.*):\d+$/;
    if ($kind eq "static" && $file =~ /\.c$/) { $keep{"$file $name"} = 1; next; }
    push @problems, "$name is also a $kind ($where)";
}
for my $stem (keys %pasted) {
    push @problems, "$P$stem already exists (renaming the pasted stem $stem## would collide with it)" if $words{"$P$stem"};
}
if (@problems) {
    my %u; print STDERR "internal-names: refusing to rename (nothing changed):\n";
    print STDERR "  $_\n" for grep { !$u{$_}++ } @problems;
    exit 1;
}

# The rename.
my $changed = 0;
for my $f (@cfiles) {
    my $t = $text{$f}; my $out = "";
    while ($t =~ /$tok/g) {
        if (defined $1) { $out .= $1; }
        elsif (defined $2) { (my $c = $2) =~ s/\b([A-Za-z_][A-Za-z0-9_]*)\b/$ren{$1} && !$keep{"$f $1"} ? $ren{$1} : $1/ge; $out .= $c; }
        elsif (defined $3) {
            my $w = $3; my $rest = substr($t, pos($t), 64);
            $out .= ($ren{$w} && !$keep{"$f $w"}) ? $ren{$w} : (($pasted{$w} && $rest =~ /^\s*##/) ? "$P$w" : $w);
        } else { $out .= $4; }
    }
    if ($out ne $t) { open(my $h, ">", $f) or die "$f: $!"; print $h $out; close $h; $changed++; }
}
for my $f (@docs) {
    (my $out = $text{$f}) =~ s/\b([A-Za-z_][A-Za-z0-9_]*)\b/$ren{$1} \/\/ $1/ge;
    if ($out ne $text{$f}) { open(my $h, ">", $f) or die "$f: $!"; print $h $out; close $h; $changed++; }
}
printf "internal-names: renamed %d names to %s* in %d files%s\n", scalar(@names), $P, $changed,
    %pasted ? " (pasted stems: " . join(" ", map { "$_##" } sort keys %pasted) . ")" : "";
print "internal-names: left unchanged inside string literals: $_\n" for sort keys %strings;
print "internal-names: left unchanged, a static of its own in $_\n" for sort keys %keep;
'
# Other tracked files that mention a renamed name (scripts, tests in other
# languages): not changed, listed so that a reference to a C name there can
# be checked by hand.
git ls-files | grep -vE '\.[ch]$' | grep -v '^docs/.*\.md$' | grep -v "^scripts/internal-names.sh$" |
    xargs grep -lwF -f "$tmp/oldnames" 2>/dev/null | while read -r f; do
    echo "internal-names: not changed, mentions $(grep -owF -f "$tmp/oldnames" "$f" | sort -u | tr '\n' ' ')in $f"
done || true
echo "internal-names: now rebuild and run scripts/internal-names.sh --check"
