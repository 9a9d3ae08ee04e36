"""Belgian (mostly Walloon) names and places for the demo commune."""

SURNAMES = (
    "Dubois Lambert Dupont Martin Simon Laurent Lejeune Renard Leroy Jacobs Peeters Claes "
    "Hermans Goossens Maes Willems Mertens Wouters Piette Collard Lemaire Gilson Bodart Thiry "
    "Remacle Delvaux Gérard Denis Lecomte François Mathieu Henrard Pirard Hubert Moreau Noël "
    "Dethier Lhoest Body Rorive Charlier Bastin Fontaine Delhaye Marchal Dumont Hardy Servais "
    "Michaux Devos Ramos Benali El Amrani Yilmaz Kabamba Nowak Rossi Ferrari Schmitz Kessler "
    "Wagner Lallemand Lecocq Grégoire Warnier Wauthier Jadot Hanquet Gobert Dessy Minet Pâquet"
).split()

GIVEN_GIRLS = (
    "Louise Emma Olivia Alice Lina Mila Juliette Léa Chloé Zoé Anna Elena Inès Camille Lucie "
    "Manon Clara Rose Jade Nora Amira Sofia Lotte Marie Hanna Yasmine Eva Maëlle Romane Élise"
).split()

GIVEN_BOYS = (
    "Arthur Louis Noah Jules Adam Gabriel Victor Lucas Liam Léon Hugo Nathan Mathis Tom Théo "
    "Sacha Eliott Maxime Simon Noé Rayan Youssef Lars Mohamed Luca Robin Martin Basile Aaron Milo"
).split()

GIVEN_ADULT_F = (
    "Sophie Julie Nathalie Catherine Isabelle Stéphanie Aurélie Céline Valérie Sarah Laura "
    "Anne Caroline Virginie Delphine Fatima Katrien Sabine Marie-Laure Émilie"
).split()

GIVEN_ADULT_M = (
    "David Nicolas Olivier Christophe Thomas Frédéric Michaël Sébastien Benoît Jean-Marc "
    "Pierre Laurent Kevin Geoffrey Mohamed Pieter Jürgen Damien Cédric Xavier"
).split()

STREETS = (
    "Rue de la Station",
    "Rue du Village",
    "Chaussée de Namur",
    "Rue de l'Église",
    "Place communale",
    "Rue des Écoles",
    "Rue du Moulin",
    "Avenue des Tilleuls",
    "Rue de la Sucrerie",
    "Rue Haute",
    "Rue Basse",
    "Rue des Champs",
    "Rue du Try",
    "Rue de Gembloux",
    "Clos des Aubépines",
    "Rue Saint-Martin",
)

VILLAGES = (
    ("5380", "Noville-les-Bois"),
    ("5380", "Franc-Waret"),
    ("5380", "Cortil-Wodon"),
    ("5380", "Hingeon"),
    ("5380", "Tillier"),
)

SCHOOLS = (
    ("École communale de Noville-les-Bois", "Rue des Écoles 2", "5380", "Noville-les-Bois"),
    ("École communale de Franc-Waret", "Rue du Village 14", "5380", "Franc-Waret"),
    ("École communale de Hingeon", "Place communale 1", "5380", "Hingeon"),
)
