// Input generator for the xz and gzip benchmarks (not itself a benchmark):
// writes exactly BYTES bytes of pseudo-random English-like text to stdout,
// words drawn with a skewed distribution from a fixed vocabulary by a 32-bit
// LCG, so the output depends only on this file. Built and run on the host.
// Usage: gentext BYTES
#include <stdio.h>
#include <stdlib.h>
#include <stdint.h>
#include <string.h>

static const char *words[] = {
    "the", "of", "and", "to", "a", "in", "is", "it", "that", "was", "for", "on", "are", "with",
    "as", "he", "they", "be", "at", "one", "have", "this", "from", "or", "had", "by", "but",
    "some", "what", "there", "we", "can", "out", "other", "were", "all", "your", "when", "up",
    "use", "word", "how", "said", "an", "each", "she", "which", "do", "their", "time", "if",
    "will", "way", "about", "many", "then", "them", "would", "write", "like", "so", "these",
    "her", "long", "make", "thing", "see", "him", "two", "has", "look", "more", "day", "could",
    "go", "come", "did", "my", "sound", "no", "most", "number", "who", "over", "know", "water",
    "than", "call", "first", "people", "may", "down", "side", "been", "now", "find", "any",
    "new", "work", "part", "take", "get", "place", "made", "live", "where", "after", "back",
    "little", "only", "round", "man", "year", "came", "show", "every", "good", "give", "our",
    "under", "name", "very", "through", "just", "form", "much", "great", "think", "say",
    "help", "low", "line", "before", "turn", "cause", "same", "mean", "differ", "move",
    "right", "boy", "old", "too", "does", "tell", "sentence", "set", "three", "want", "air",
    "well", "also", "play", "small", "end", "put", "home", "read", "hand", "port", "large",
    "spell", "add", "even", "land", "here", "must", "big", "high", "such", "follow", "act",
    "why", "ask", "men", "change", "went", "light", "kind", "off", "need", "house", "picture",
    "try", "again", "animal", "point", "mother", "world", "near", "build", "self", "earth",
    "father", "head", "stand", "own", "page", "should", "country", "found", "answer", "school",
    "grow", "study", "still", "learn", "plant", "cover", "food", "sun", "four", "thought",
    "let", "keep", "eye", "never", "last", "door", "between", "city", "tree", "cross", "since",
    "hard", "start", "might", "story", "saw", "far", "sea", "draw", "left", "late", "run",
    "while", "press", "close", "night", "real", "life", "few", "stop", "open", "seem",
    "together", "next", "white", "children", "begin", "got", "walk", "example", "ease",
    "paper", "often", "always", "music", "those", "both", "mark", "book", "letter", "until",
    "mile", "river", "car", "feet", "care", "second", "group", "carry", "took", "rain", "eat",
    "room", "friend", "began", "idea", "fish", "mountain", "north", "once", "base", "hear",
    "horse", "cut", "sure", "watch", "color", "face", "wood", "main", "enough", "plain",
    "girl", "usual", "young", "ready", "above", "ever", "red", "list", "though", "feel",
    "talk", "bird", "soon", "body", "dog", "family", "direct", "pose", "leave", "song",
    "measure", "state", "product", "black", "short", "numeral", "class", "wind", "question",
    "happen", "complete", "ship", "area", "half", "rock", "order", "fire", "south", "problem",
    "piece", "told", "knew", "pass", "farm", "top", "whole", "king", "size", "heard", "best",
    "hour", "better", "true", "during", "hundred", "am", "remember", "step", "early", "hold",
    "west", "ground", "interest", "reach", "fast", "five", "sing", "listen", "six", "table",
    "travel", "less", "morning", "ten", "simple", "several", "vowel", "toward", "war", "lay",
};

static uint32_t state = 20240601u;
static uint32_t next(void)
{
    state = state * 1664525u + 1013904223u;
    return state >> 8; // the low bits of an LCG are weak
}

static long want, out;

// Write a finished line, cutting the last one so the total is exactly want.
static void emit(const char *line, long len)
{
    if (len > want - out) len = want - out;
    fwrite(line, 1, (size_t)len, stdout);
    out += len;
}

int main(int argc, char **argv)
{
    if (argc != 2 || atol(argv[1]) <= 0) { fprintf(stderr, "usage: gentext BYTES\n"); return 2; }
    want = atol(argv[1]);
    const uint32_t n = sizeof words / sizeof words[0];
    char line[128];
    int col = 0, sentence = 0;
    while (out < want) {
        // Skewed towards the front of the list, like word frequencies.
        uint32_t i = (uint32_t)((uint64_t)(next() % n) * (next() % n) / n);
        char w[32];
        strcpy(w, words[i]);
        if (sentence == 0) w[0] = w[0] - 'a' + 'A';
        int len = (int)strlen(w);
        sentence++;
        if (sentence > 4 && next() % 9 == 0) { w[len++] = next() % 5 ? '.' : '?'; sentence = 0; }
        else if (next() % 13 == 0) w[len++] = ',';
        w[len] = 0;
        if (col + 1 + len > 72) { line[col++] = '\n'; emit(line, col); col = 0; }
        if (col) line[col++] = ' ';
        memcpy(line + col, w, len);
        col += len;
        if (sentence == 0 && next() % 8 == 0) { // end of paragraph
            line[col++] = '\n'; line[col++] = '\n';
            emit(line, col); col = 0;
        }
    }
    return 0;
}
