//! From ImageNet's 1 000 classes to tags people search with: *espresso* → `coffee`,
//! `drink`, `food`; *bald eagle* → `bird`, `animal`. A tag's confidence is the
//! probability the classifier gives all its classes together, so a photo the model thinks
//! is 50 % tabby and 33 % tiger cat is a `cat` with 0.83. Only tags of the most probable
//! classes count: 398 of the classes are animals, so a picture the model cannot place
//! at all still sums to a quarter "animal".
//!
//! Class indices follow ImageNet-1k's standard order (torchvision's, the
//! `imagenet_labels.txt` line order): the animals come first, in contiguous ranges by
//! kind; objects, food and scenes are named.

use std::ops::RangeInclusive;

/// Animals by index range: each range's tags.
const ANIMALS: &[(RangeInclusive<usize>, &[&str])] = &[
    (0..=6, &["fish", "animal"]),
    (7..=24, &["bird", "animal"]),
    (25..=32, &["amphibian", "animal"]),
    (33..=68, &["reptile", "animal"]),
    (69..=79, &["animal"]),
    (80..=100, &["bird", "animal"]),
    (101..=106, &["mammal", "animal"]),
    (107..=126, &["sea life", "animal"]),
    (127..=146, &["bird", "animal"]),
    (147..=150, &["sea life", "mammal", "animal"]),
    (151..=268, &["dog", "pet", "mammal", "animal"]),
    (269..=280, &["wildlife", "mammal", "animal"]),
    (281..=285, &["cat", "pet", "mammal", "animal"]),
    (286..=293, &["big cat", "wildlife", "mammal", "animal"]),
    (294..=297, &["bear", "wildlife", "mammal", "animal"]),
    (298..=299, &["wildlife", "mammal", "animal"]),
    (300..=326, &["insect", "animal"]),
    (327..=329, &["sea life", "animal"]),
    (330..=338, &["mammal", "animal"]),
    (339..=339, &["horse", "mammal", "animal"]),
    (340..=353, &["mammal", "animal"]),
    (354..=364, &["mammal", "animal"]),
    (365..=384, &["monkey", "wildlife", "mammal", "animal"]),
    (385..=386, &["elephant", "wildlife", "mammal", "animal"]),
    (387..=388, &["wildlife", "mammal", "animal"]),
    (389..=397, &["fish", "animal"]),
];

/// Named classes: each group's tags and its classes, by `imagenet_labels.txt` name.
#[rustfmt::skip] // One group a paragraph: its tags, then its classes.
const GROUPS: &[(&[&str], &[&str])] = &[
    (&["coffee", "drink", "food"], &[
        "espresso", "espresso maker", "coffee mug", "coffeepot",
    ]),
    (&["drink", "food"], &[
        "red wine", "eggnog", "cup", "beer bottle", "beer glass", "wine bottle", "pop bottle",
        "cocktail shaker", "goblet", "whiskey jug",
    ]),
    (&["food"], &[
        "plate", "guacamole", "consomme", "hot pot", "trifle", "ice cream", "ice lolly",
        "French loaf", "bagel", "pretzel", "cheeseburger", "hotdog", "mashed potato",
        "carbonara", "chocolate sauce", "dough", "meat loaf", "pizza", "potpie", "burrito",
        "bakery", "confectionery", "butcher shop", "wok", "frying pan", "soup bowl",
        "Dutch oven", "mixing bowl",
    ]),
    (&["vegetable", "food"], &[
        "head cabbage", "broccoli", "cauliflower", "zucchini", "spaghetti squash",
        "acorn squash", "butternut squash", "cucumber", "artichoke", "bell pepper", "cardoon",
        "mushroom", "corn", "ear",
    ]),
    (&["fruit", "food"], &[
        "Granny Smith", "strawberry", "orange", "lemon", "fig", "pineapple", "banana",
        "jackfruit", "custard apple", "pomegranate",
    ]),
    (&["car", "vehicle"], &[
        "ambulance", "beach wagon", "cab", "convertible", "jeep", "limousine", "minivan",
        "Model T", "racer", "sports car", "police van", "car wheel", "car mirror", "grille",
    ]),
    (&["truck", "vehicle"], &[
        "fire engine", "garbage truck", "moving van", "pickup", "tow truck", "trailer truck",
        "tractor", "forklift", "snowplow", "harvester", "thresher",
    ]),
    (&["bus", "vehicle"], &[
        "minibus", "school bus", "trolleybus",
    ]),
    (&["train", "vehicle"], &[
        "bullet train", "electric locomotive", "freight car", "steam locomotive",
        "passenger car", "streetcar",
    ]),
    (&["bicycle", "vehicle"], &[
        "bicycle-built-for-two", "mountain bike", "tricycle", "unicycle",
    ]),
    (&["motorcycle", "vehicle"], &[
        "moped", "motor scooter",
    ]),
    (&["boat", "vehicle"], &[
        "aircraft carrier", "canoe", "catamaran", "container ship", "fireboat", "gondola",
        "lifeboat", "liner", "pirate", "schooner", "speedboat", "submarine", "trimaran", "yawl",
        "paddlewheel", "wreck",
    ]),
    (&["aircraft", "vehicle"], &[
        "airliner", "airship", "warplane", "wing", "space shuttle", "balloon", "parachute",
    ]),
    (&["building", "architecture"], &[
        "church", "mosque", "monastery", "palace", "castle", "bell cote", "dome", "stupa",
        "planetarium", "library", "cinema", "restaurant", "prison", "greenhouse", "barn",
        "boathouse", "cliff dwelling", "yurt", "mobile home", "thatch", "tile roof",
        "water tower", "triumphal arch", "obelisk", "megalith", "totem pole", "vault", "altar",
    ]),
    (&["shop", "building"], &[
        "barbershop", "bookshop", "grocery store", "shoe shop", "tobacco shop", "toyshop",
    ]),
    (&["bridge", "architecture"], &[
        "steel arch bridge", "suspension bridge", "viaduct", "pier", "dock", "breakwater",
        "dam",
    ]),
    (&["city", "street"], &[
        "street sign", "traffic light", "parking meter", "manhole cover", "mailbox",
        "pay-phone", "fountain", "park bench",
    ]),
    (&["sport"], &[
        "ballplayer", "baseball", "basketball", "croquet ball", "golf ball", "ping-pong ball",
        "rugby ball", "soccer ball", "tennis ball", "volleyball", "puck", "racket", "ski",
        "snowmobile", "bobsled", "scoreboard", "balance beam", "horizontal bar",
        "parallel bars", "dumbbell", "barbell", "punching bag", "football helmet", "golfcart",
        "go-kart", "scuba diver", "snorkel", "swimming trunks", "maillot", "bikini",
    ]),
    (&["musical instrument", "music"], &[
        "accordion", "acoustic guitar", "banjo", "bassoon", "cello", "chime", "cornet", "drum",
        "electric guitar", "flute", "French horn", "gong", "grand piano", "harmonica", "harp",
        "maraca", "marimba", "oboe", "ocarina", "organ", "panpipe", "sax", "steel drum",
        "trombone", "upright", "violin",
    ]),
    (&["electronics", "technology"], &[
        "cellular telephone", "computer keyboard", "desktop computer", "hand-held computer",
        "hard disc", "iPod", "joystick", "laptop", "modem", "monitor", "mouse", "notebook",
        "printer", "projector", "remote control", "screen", "space bar", "television",
        "typewriter keyboard", "loudspeaker", "microphone", "CD player", "cassette player",
        "tape player", "radio", "home theater", "entertainment center",
    ]),
    (&["camera", "technology"], &[
        "Polaroid camera", "reflex camera", "lens cap", "tripod",
    ]),
    (&["screenshot"], &[
        "web site",
    ]),
    (&["document", "text"], &[
        "book jacket", "comic book", "crossword puzzle", "menu", "envelope", "binder",
    ]),
    (&["clothing", "fashion"], &[
        "abaya", "academic gown", "apron", "bikini", "bow tie", "brassiere", "cardigan",
        "cloak", "fur coat", "gown", "hoopskirt", "jean", "jersey", "kimono", "lab coat",
        "military uniform", "miniskirt", "overskirt", "pajama", "poncho", "sarong", "stole",
        "suit", "sweatshirt", "trench coat", "vestment", "Windsor tie", "bolo tie",
        "feather boa", "mitten", "sock",
    ]),
    (&["shoes", "fashion"], &[
        "clog", "cowboy boot", "Loafer", "running shoe", "sandal",
    ]),
    (&["hat", "fashion"], &[
        "bearskin", "bonnet", "cowboy hat", "mortarboard", "sombrero", "shower cap",
        "pickelhaube", "crash helmet",
    ]),
    (&["jewellery", "fashion"], &[
        "necklace", "hair slide", "digital watch", "sunglass", "sunglasses", "purse", "wallet",
    ]),
    (&["furniture", "interior"], &[
        "bookcase", "chiffonier", "china cabinet", "desk", "dining table", "folding chair",
        "four-poster", "rocking chair", "studio couch", "throne", "wardrobe", "cradle", "crib",
        "bassinet", "barber chair", "table lamp", "lampshade", "quilt", "pillow", "prayer rug",
        "shoji", "window shade", "sliding door", "bannister",
    ]),
    (&["kitchen", "interior"], &[
        "dishwasher", "microwave", "refrigerator", "stove", "toaster", "waffle iron",
        "Crock Pot", "caldron", "teapot", "rotisserie", "strainer", "ladle", "spatula",
        "wooden spoon", "cleaver", "can opener", "corkscrew", "measuring cup", "plate rack",
        "saltshaker", "pitcher", "vase",
    ]),
    (&["weapon"], &[
        "assault rifle", "cannon", "missile", "projectile", "revolver", "rifle", "tank",
        "half track", "holster", "scabbard", "shield", "breastplate", "cuirass", "chain mail",
        "guillotine",
    ]),
    (&["tool"], &[
        "hammer", "hatchet", "chain saw", "power drill", "screwdriver", "shovel", "pick",
        "plane", "carpenter's kit", "lawn mower", "plow", "broom", "paintbrush",
    ]),
    (&["toy"], &[
        "teddy", "jigsaw puzzle", "pinwheel", "piggy bank", "carousel", "swing", "maze",
        "toyshop",
    ]),
    (&["mountain", "landscape", "nature"], &[
        "alp", "volcano", "valley", "cliff", "mountain tent",
    ]),
    (&["beach", "sea", "landscape", "nature"], &[
        "sandbar", "seashore", "promontory",
    ]),
    (&["sea", "nature"], &[
        "coral reef", "scuba diver",
    ]),
    (&["lake", "landscape", "nature"], &[
        "lakeside", "boathouse",
    ]),
    (&["landscape", "nature"], &[
        "geyser",
    ]),
    (&["flower", "plant", "nature"], &[
        "daisy", "yellow lady's slipper", "rapeseed",
    ]),
    (&["plant", "nature"], &[
        "acorn", "hip", "buckeye", "hay", "pot",
    ]),
    (&["mushroom", "nature"], &[
        "coral fungus", "agaric", "gyromitra", "stinkhorn", "earthstar", "hen-of-the-woods",
        "bolete", "mushroom",
    ]),
    (&["wedding"], &[
        "groom",
    ]),
    (&["christmas"], &[
        "Christmas stocking",
    ]),
    (&["halloween"], &[
        "jack-o'-lantern",
    ]),
];

/// The vocabulary's tags for one class, by its index and name.
pub fn tags_of(index: usize, name: &str) -> impl Iterator<Item = &'static str> {
    let animal = ANIMALS
        .iter()
        .filter(move |(range, _)| range.contains(&index))
        .flat_map(|(_, tags)| tags.iter().copied());
    let named = GROUPS
        .iter()
        .filter(move |(_, classes)| index >= 398 && classes.contains(&name))
        .flat_map(|(tags, _)| tags.iter().copied());
    animal.chain(named)
}

/// Every class name the vocabulary names, for checking it against the labels file.
pub fn named_classes() -> impl Iterator<Item = &'static str> {
    GROUPS
        .iter()
        .flat_map(|(_, classes)| classes.iter().copied())
}

/// The vocabulary tags of the `top` classes, each with the summed probability of all its
/// classes (at most 1), most probable first; `names` and `probabilities` are
/// index-aligned.
pub fn tag_probabilities(
    names: &[String],
    probabilities: &[f32],
    top: &[usize],
) -> Vec<(&'static str, f64)> {
    let candidates: Vec<&str> = top.iter().flat_map(|&i| tags_of(i, &names[i])).collect();
    let mut sums: Vec<(&'static str, f64)> = Vec::new();
    for (index, (name, p)) in names.iter().zip(probabilities).enumerate() {
        let mut seen: Vec<&str> = Vec::new();
        for tag in tags_of(index, name) {
            // A class in two groups with a tag in common counts once for it.
            if seen.contains(&tag) || !candidates.contains(&tag) {
                continue;
            }
            seen.push(tag);
            match sums.iter_mut().find(|(t, _)| *t == tag) {
                Some((_, sum)) => *sum += f64::from(*p),
                None => sums.push((tag, f64::from(*p))),
            }
        }
    }
    for (_, sum) in &mut sums {
        *sum = sum.min(1.0);
    }
    sums.sort_by(|a, b| b.1.total_cmp(&a.1));
    sums
}
